package dev.jgrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link CpuId}: /proc/cpuinfo and lscpu text into vendor, family, model and microarchitecture. */
class CpuIdTest {
    private static String cpuinfo(String vendor, int family, int model, int stepping, String name) {
        String block = "processor\t: %d\nvendor_id\t: %s\ncpu family\t: %d\nmodel\t\t: %d\nmodel name\t: %s\nstepping\t: %d\n"
                + "flags\t\t: fpu sse2 avx fma avx2 avx512f\n\n";
        // two processors: only the first block is read
        return String.format(block, 0, vendor, family, model, name, stepping) + String.format(block, 1, "Other", 99, 99, "x", 0);
    }

    @Test
    void readsTheFirstProcessorOfProcCpuinfo() {
        CpuId c = CpuId.parse(cpuinfo("AuthenticAMD", 26, 2, 1, "AMD EPYC"));
        assertEquals("AuthenticAMD", c.vendor());
        assertEquals(26, c.family());
        assertEquals(2, c.model());
        assertEquals(1, c.stepping());
        assertEquals("AMD EPYC", c.modelName());
        assertTrue(c.has("avx512f") && c.has("fma") && !c.has("avx512_bf16"));
        assertEquals("Zen 5", c.microarchitecture());
        assertEquals("AMD EPYC (AuthenticAMD family 26 model 2 stepping 1: Zen 5)", c.describe());
    }

    @Test
    void readsLscpuOutput() {
        String lscpu = """
                Architecture:                            x86_64
                CPU(s):                                  2
                Vendor ID:                               AuthenticAMD
                  Model name:                            AMD EPYC 9B45
                    CPU family:                          26
                    Model:                               2
                    Stepping:                            1
                    BIOS Model name:                     pc-q35
                    Flags:                               fpu avx2 avx512f
                """;
        CpuId c = CpuId.parse(lscpu);
        assertEquals("AuthenticAMD", c.vendor());
        assertEquals(26, c.family());
        assertEquals(2, c.model());
        assertEquals("AMD EPYC 9B45", c.modelName());
        assertTrue(c.has("avx512f"));
    }

    @Test
    void amdFamiliesAndModels() {
        assertEquals("Zen 3", CpuId.parse(cpuinfo("AuthenticAMD", 25, 0x01, 1, "AMD EPYC 7763")).microarchitecture());
        assertEquals("Zen 3", CpuId.parse(cpuinfo("AuthenticAMD", 25, 0x21, 0, "AMD Ryzen 9 5950X")).microarchitecture());
        assertEquals("Zen 4", CpuId.parse(cpuinfo("AuthenticAMD", 25, 0x11, 1, "AMD EPYC 9654")).microarchitecture());
        assertEquals("Zen 4", CpuId.parse(cpuinfo("AuthenticAMD", 25, 0x61, 2, "AMD Ryzen 9 7950X")).microarchitecture());
        assertEquals("Zen 4", CpuId.parse(cpuinfo("AuthenticAMD", 25, 0xA0, 2, "AMD EPYC 9754")).microarchitecture());
        assertEquals("Zen 2", CpuId.parse(cpuinfo("AuthenticAMD", 23, 0x31, 0, "AMD EPYC 7742")).microarchitecture());
        assertEquals("Zen / Zen+", CpuId.parse(cpuinfo("AuthenticAMD", 23, 0x01, 2, "AMD EPYC 7601")).microarchitecture());
    }

    @Test
    void intelModelsAndTheSharedServerModel() {
        assertEquals("Skylake-SP", CpuId.parse(cpuinfo("GenuineIntel", 6, 85, 4, "Intel(R) Xeon(R) Platinum 8168")).microarchitecture());
        assertEquals("Cascade Lake", CpuId.parse(cpuinfo("GenuineIntel", 6, 85, 7, "Intel(R) Xeon(R) Platinum 8280")).microarchitecture());
        assertEquals("Cooper Lake", CpuId.parse(cpuinfo("GenuineIntel", 6, 85, 11, "Intel(R) Xeon(R) Platinum 8380H")).microarchitecture());
        assertEquals("Ice Lake-SP", CpuId.parse(cpuinfo("GenuineIntel", 6, 106, 6, "Intel(R) Xeon(R) Platinum 8375C")).microarchitecture());
        assertEquals("Sapphire Rapids", CpuId.parse(cpuinfo("GenuineIntel", 6, 143, 8, "Intel(R) Xeon(R) Platinum 8481C")).microarchitecture());
        assertEquals("Haswell", CpuId.parse(cpuinfo("GenuineIntel", 6, 63, 2, "Intel(R) Xeon(R) CPU E5-2680 v3")).microarchitecture());
        assertEquals("Alder Lake", CpuId.parse(cpuinfo("GenuineIntel", 6, 151, 2, "12th Gen Intel(R) Core(TM) i9-12900K")).microarchitecture());
    }

    @Test
    void unknownCpusSayWhatIsKnown() {
        CpuId intelNew = CpuId.parse(cpuinfo("GenuineIntel", 6, 250, 0, "Future Xeon"));
        assertEquals("", intelNew.microarchitecture());
        assertTrue(intelNew.describe().contains("family 6 model 250") && intelNew.describe().contains("not in jgrad's table"),
                intelNew.describe());
        assertEquals(CpuId.UNKNOWN, CpuId.parse(""));
        assertEquals(CpuId.UNKNOWN, CpuId.parse(null));
        assertEquals("unknown CPU", CpuId.UNKNOWN.describe());
        CpuId arm = CpuId.parse("processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n");
        assertEquals(-1, arm.family());
        assertFalse(arm.has("avx2"));
        assertEquals("", arm.microarchitecture());
    }
}
