package dev.jgrad.kernels.typed;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link GemmTuner}'s table, choice rule, cache file and CPU parsing (no timing is asserted). */
class GemmTunerTest {
    private static final GemmTuner.Cpu ZEN5 = new GemmTuner.Cpu("amd64", "AuthenticAMD", 26, 2, "AMD EPYC");
    private static final GemmTuner.Cpu ZEN4 = new GemmTuner.Cpu("amd64", "AuthenticAMD", 25, 17, "AMD Ryzen 9 7950X");
    private static final GemmTuner.Cpu INTEL = new GemmTuner.Cpu("amd64", "GenuineIntel", 6, 151, "12th Gen Intel(R) Core(TM) i7");
    private static final GemmTuner.Cpu ARM = new GemmTuner.Cpu("aarch64", "", -1, -1, "");

    @Test
    void tableFitsTheTileToTheRegisters() {
        assertEquals(GemmConfig.Tile.R6V4, GemmTuner.table(ZEN5, 16).tile());
        assertEquals(GemmConfig.Tile.R6V4, GemmTuner.table(ZEN4, 16).tile());
        assertEquals(GemmConfig.Tile.R6V4, GemmTuner.table(INTEL, 16).tile());
        // 256-bit x86 (AVX2): 16 vector registers, so the 8-accumulator tile
        assertEquals(GemmConfig.Tile.R4V2, GemmTuner.table(INTEL, 8).tile());
        assertEquals(GemmConfig.Tile.R4V2, GemmTuner.table(ZEN4, 8).tile());
        assertEquals(GemmConfig.Tile.R4V2, GemmTuner.table(ZEN5, 8).tile());
        assertEquals(0, GemmTuner.table(ZEN5, 8).mc() % 4, "A blocks of whole 4-row panels");
        // AArch64 has 32 registers of 4 floats
        assertEquals(GemmConfig.Tile.R6V4, GemmTuner.table(ARM, 4).tile());
        assertEquals(GemmConfig.DEFAULT, GemmTuner.table(INTEL, 0));
    }

    @Test
    void candidatesStartWithTheTableChoiceAndAreDistinct() {
        for (GemmTuner.Cpu cpu : List.of(ZEN5, INTEL, ARM)) {
            for (int lanes : new int[] {4, 8, 16}) {
                GemmConfig base = GemmTuner.table(cpu, lanes);
                int registers = GemmTuner.vectorRegisters(cpu, lanes);
                List<GemmConfig> c = GemmTuner.candidates(base, lanes, registers);
                assertEquals(base, c.get(0));
                assertEquals(c.size(), c.stream().distinct().count());
                assertTrue(c.size() >= 4 && c.size() <= 8, c.toString());
                for (GemmConfig.Tile t : GemmConfig.Tile.values()) {
                    assertEquals(GemmTuner.fits(t, registers), c.stream().anyMatch(g -> g.tile() == t), cpu + " lanes=" + lanes + " " + t + ": " + c);
                }
            }
        }
    }

    @Test
    void tilesFitTheRegisters() {
        // 16 registers (x86 below AVX-512): the 12- and 8-accumulator tiles; 32: all of them
        assertEquals(16, GemmTuner.vectorRegisters(INTEL, 8));
        assertEquals(32, GemmTuner.vectorRegisters(INTEL, 16));
        assertEquals(32, GemmTuner.vectorRegisters(ARM, 4));
        assertFalse(GemmTuner.fits(GemmConfig.Tile.R6V4, 16));
        assertTrue(GemmTuner.fits(GemmConfig.Tile.R6V2, 16));
        assertTrue(GemmTuner.fits(GemmConfig.Tile.R4V2, 16));
        for (GemmConfig.Tile t : GemmConfig.Tile.values()) assertTrue(GemmTuner.fits(t, 32), t.toString());
    }

    @Test
    void pickKeepsTheIncumbentUnlessClearlyBeaten() {
        GemmConfig a = GemmConfig.DEFAULT, b = GemmConfig.parse("kc=256"), c = GemmConfig.parse("mc=48");
        List<GemmConfig> cands = List.of(a, b, c);
        // within the margin: incumbent stays
        assertEquals(a, GemmTuner.pick(cands, new double[][] {{100, 100}, {99, 99}, {101, 98}}));
        // b faster on both sizes by 10%
        assertEquals(b, GemmTuner.pick(cands, new double[][] {{100, 100}, {90, 90}, {95, 95}}));
        // geometric mean: c much faster on one size, a bit slower on the other
        assertEquals(c, GemmTuner.pick(cands, new double[][] {{100, 100}, {100, 100}, {60, 110}}));
        // one candidate only
        assertEquals(a, GemmTuner.pick(List.of(a), new double[][] {{5}}));
    }

    @Test
    void cacheWritesReadsAndKeepsOtherEntries(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub").resolve(GemmTuner.CACHE_FILE);
        assertEquals(Optional.empty(), GemmTuner.readCache(file, "cpu-a"));
        GemmConfig x = GemmConfig.parse("tile=6x2,kc=256"), y = GemmConfig.parse("mc=192,loop=ir,nc=512");
        assertTrue(GemmTuner.writeCache(file, "cpu-a|model name: with = and : signs", x));
        assertTrue(GemmTuner.writeCache(file, "cpu-b", y));
        assertEquals(Optional.of(x), GemmTuner.readCache(file, "cpu-a|model name: with = and : signs"));
        assertEquals(Optional.of(y), GemmTuner.readCache(file, "cpu-b"));
        assertTrue(GemmTuner.writeCache(file, "cpu-b", x));
        assertEquals(Optional.of(x), GemmTuner.readCache(file, "cpu-b"));
        assertEquals(Optional.empty(), GemmTuner.readCache(file, "cpu-c"));
        try (var s = Files.list(file.getParent())) {
            assertEquals(1, s.count(), "no temporary file left behind");
        }
    }

    @Test
    void corruptOrUnwritableCacheIsIgnored(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(GemmTuner.CACHE_FILE);
        Files.writeString(file, "cpu-a=tile=9x9,kc=-3\ncpu-b=\\uZZZZ garbage\n\u0000\u0001binary");
        assertEquals(Optional.empty(), GemmTuner.readCache(file, "cpu-a"));
        assertEquals(Optional.empty(), GemmTuner.readCache(file, "cpu-b"));
        // a malformed file is replaced by a good one
        assertTrue(GemmTuner.writeCache(file, "cpu-a", GemmConfig.DEFAULT));
        assertEquals(Optional.of(GemmConfig.DEFAULT), GemmTuner.readCache(file, "cpu-a"));
        // a directory where the file should be, and a file where the folder should be: false, no throw
        Path asDir = dir.resolve("d");
        Files.createDirectories(asDir.resolve(GemmTuner.CACHE_FILE));
        assertFalse(GemmTuner.writeCache(asDir.resolve(GemmTuner.CACHE_FILE), "k", GemmConfig.DEFAULT));
        assertEquals(Optional.empty(), GemmTuner.readCache(asDir.resolve(GemmTuner.CACHE_FILE), "k"));
        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "x");
        assertFalse(GemmTuner.writeCache(blocker.resolve("jgrad").resolve(GemmTuner.CACHE_FILE), "k", GemmConfig.DEFAULT));
    }

    @Test
    void cacheDirFollowsTheProperty(@TempDir Path dir) {
        String before = System.getProperty(GemmTuner.CACHE_PROPERTY);
        try {
            System.setProperty(GemmTuner.CACHE_PROPERTY, dir.toString());
            assertEquals(Optional.of(dir), GemmTuner.cacheDir());
            System.clearProperty(GemmTuner.CACHE_PROPERTY);
            assertTrue(GemmTuner.cacheDir().orElseThrow().toString().endsWith("jgrad"));
        } finally {
            if (before == null) System.clearProperty(GemmTuner.CACHE_PROPERTY);
            else System.setProperty(GemmTuner.CACHE_PROPERTY, before);
        }
    }

    @Test
    void cpuinfoParsesTheFirstProcessor() {
        String text = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel\t\t: 2\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx512f\n\n"
                + "processor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n";
        GemmTuner.Cpu cpu = GemmTuner.Cpu.parse("amd64", text);
        assertEquals(ZEN5, cpu);
        assertTrue(cpu.key().contains("AuthenticAMD") && cpu.key().contains("family=26") && cpu.key().contains("model=2"));
        assertEquals(new GemmTuner.Cpu("aarch64", "", -1, -1, ""), GemmTuner.Cpu.parse("aarch64", ""));
        assertEquals(-1, GemmTuner.Cpu.parse("amd64", "cpu family : x\n").family());
    }

    @Test
    void cpuKeyNamesTheVectorWidthAndTheJdk() {
        String key = GemmTuner.cpuKey();
        assertTrue(key.contains("lanes=") && key.contains("jdk=" + Runtime.version()) && key.contains("table="), key);
    }

    @Test
    void measurementChoosesACandidateAndCachesOnlyWhenSteady(@TempDir Path dir) {
        // runs the real measurement (bounded by TUNE_BUDGET_NANOS); asserts nothing about speed
        String before = System.getProperty(GemmTuner.CACHE_PROPERTY);
        GemmTuner.Choice old = GemmTuner.choice();
        try {
            System.setProperty(GemmTuner.CACHE_PROPERTY, dir.toString());
            GemmTuner.Choice c = GemmTuner.tune();
            assertSame(c, GemmTuner.choice());
            if (GemmTuner.lanes() == 0) {
                assertEquals(GemmTuner.Source.TABLE, c.source());
                return;
            }
            assertEquals(GemmTuner.Source.MEASURED, c.source());
            assertTrue(GemmTuner.candidates(GemmTuner.table(GemmTuner.Cpu.detect(), GemmTuner.lanes()), GemmTuner.lanes(),
                    GemmTuner.vectorRegisters(GemmTuner.Cpu.detect(), GemmTuner.lanes())).contains(c.config()));
            Optional<GemmConfig> cached = GemmTuner.readCache(dir.resolve(GemmTuner.CACHE_FILE), c.cpuKey());
            if (c.detail().contains("not cached")) assertEquals(Optional.empty(), cached);
            else assertEquals(Optional.of(c.config()), cached);
        } finally {
            if (before == null) System.clearProperty(GemmTuner.CACHE_PROPERTY);
            else System.setProperty(GemmTuner.CACHE_PROPERTY, before);
            GemmTuner.use(old);
        }
    }

    @Test
    void propertiesDecideTheSource(@TempDir Path dir) throws Exception {
        String[] keys = {GemmTuner.CONFIG_PROPERTY, GemmTuner.TUNE_PROPERTY, GemmTuner.CACHE_PROPERTY, GemmTuner.RETUNE_PROPERTY};
        String[] before = new String[keys.length];
        for (int i = 0; i < keys.length; i++) before[i] = System.getProperty(keys[i]);
        GemmTuner.Choice old = GemmTuner.choice();
        try {
            System.setProperty(GemmTuner.CACHE_PROPERTY, dir.toString());
            System.setProperty(GemmTuner.CONFIG_PROPERTY, "tile=6x2,kc=200");
            GemmTuner.Choice fixed = GemmTuner.chooseNow();
            assertEquals(GemmTuner.Source.PROPERTY, fixed.source());
            assertEquals(GemmConfig.parse("tile=6x2,kc=200"), fixed.config());
            System.setProperty(GemmTuner.CONFIG_PROPERTY, "tile=oops");
            assertThrows(IllegalArgumentException.class, GemmTuner::chooseNow);
            System.clearProperty(GemmTuner.CONFIG_PROPERTY);
            System.setProperty(GemmTuner.TUNE_PROPERTY, "false");
            if (GemmTuner.lanes() > 0) {
                assertEquals(GemmTuner.Source.TABLE, GemmTuner.chooseNow().source());
                GemmConfig cachedCfg = GemmConfig.parse("mc=48,kc=320");
                GemmTuner.writeCache(dir.resolve(GemmTuner.CACHE_FILE), GemmTuner.cpuKey(), cachedCfg);
                GemmTuner.Choice cached = GemmTuner.chooseNow();
                assertEquals(GemmTuner.Source.CACHE, cached.source());
                assertEquals(cachedCfg, cached.config());
                // retune ignores the cache; with tuning off that leaves the table
                System.setProperty(GemmTuner.RETUNE_PROPERTY, "true");
                assertEquals(GemmTuner.Source.TABLE, GemmTuner.chooseNow().source());
            }
        } finally {
            for (int i = 0; i < keys.length; i++) {
                if (before[i] == null) System.clearProperty(keys[i]);
                else System.setProperty(keys[i], before[i]);
            }
            GemmTuner.use(old);
        }
    }
}
