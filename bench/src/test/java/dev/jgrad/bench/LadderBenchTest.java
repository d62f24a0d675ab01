package dev.jgrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.kernels.ladder.SgemmLadder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./jgrad bench ladder}: every rung timed or skipped with its reason, and the files written. */
class LadderBenchTest {
    @TempDir
    Path dir;

    @Test
    void timesEveryRungAndWritesTheChart() throws IOException {
        Path out = dir.resolve("ladder");
        String stdout = run("ladder", "--size", "40", "--no-peers", "--threads", "2", "--out", out.toString(), "--budget", "0.05",
                "--warmup", "0.05");
        List<String> csv = Files.readAllLines(out.resolve("ladder.csv"));
        assertEquals(1 + SgemmLadder.rungs().size(), csv.size(), String.join("\n", csv));
        for (int i = 1; i < csv.size(); i++) {
            String[] f = csv.get(i).split(",");
            assertEquals(Integer.toString(i), f[0], csv.get(i));
            assertTrue(Double.parseDouble(f[8]) > 0, "GFLOP/s of " + csv.get(i));   // every rung timed
        }
        assertTrue(csv.get(7).contains(",threads,") && csv.get(7).contains(",2,40,"), "the threaded rung ran on 2 threads: " + csv.get(7));
        String svg = Files.readString(out.resolve("ladder.svg"));
        assertTrue(svg.startsWith("<svg") && svg.contains("8 jgrad's SGEMM") && svg.contains("FMA peak, 1 thread"), svg);
        assertTrue(Files.readString(out.resolve("README.md")).contains("Command: `./jgrad bench ladder --size 40"));
        assertTrue(Files.readString(out.resolve("table.txt")).contains("peers skipped: --no-peers"));
        assertTrue(Files.exists(out.resolve("machine.txt")));
        assertTrue(stdout.contains("1 naive") && stdout.contains("8 production"), stdout);
    }

    @Test
    void slowRungsAreSkippedWithTheReason() throws IOException {
        Path out = dir.resolve("skip");
        run("ladder", "--size", "64", "--no-peers", "--out", out.toString(), "--budget", "0.05", "--warmup", "0.05", "--max-call", "1e-9");
        String table = Files.readString(out.resolve("table.txt"));
        assertTrue(table.contains("skipped: one call ≈") && table.contains("(extrapolated from 64³) > the"), table);
        List<String> csv = Files.readAllLines(out.resolve("ladder.csv"));
        assertTrue(csv.get(1).split(",", -1)[8].isEmpty(), "no rate for a skipped rung: " + csv.get(1));
    }

    @Test
    void cachesAreReadFromGetconf() {
        String getconf = "LEVEL1_ICACHE_SIZE                 32768\nLEVEL1_DCACHE_SIZE                 49152\nLEVEL1_DCACHE_ASSOC                12\n"
                + "LEVEL2_CACHE_SIZE                  1048576\nLEVEL2_CACHE_ASSOC                 8\nLEVEL3_CACHE_SIZE                  33554432\n"
                + "LEVEL3_CACHE_ASSOC                 \n";
        assertEquals("L1d 48 KiB (12-way), L2 1 MiB (8-way), L3 32 MiB", LadderBench.caches(getconf));
        assertEquals("unknown", LadderBench.caches(""));
        assertEquals("unknown", LadderBench.caches(null));
    }

    private static synchronized String run(String... argv) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(argv);
        } finally {
            System.setOut(old);
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, s);
        return s;
    }
}
