package dev.jgrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The peers' environment: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed unless kept, and reported either way. */
class PeerEnvTest {
    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("OPENBLAS_CORETYPE", "Haswell");
        env.put("OPENBLAS_L2_SIZE", "512");
        env.put("OPENBLAS_NUM_THREADS", "2");
        env.put("PATH", "/usr/bin");
        return env;
    }

    @Test
    void removesTheForcingVariablesOnly() {
        Map<String, String> env = env();
        assertEquals(List.of("OPENBLAS_CORETYPE=Haswell", "OPENBLAS_L2_SIZE=512"), Peers.scrubBlasEnv(env, false));
        assertFalse(env.containsKey("OPENBLAS_CORETYPE") || env.containsKey("OPENBLAS_L2_SIZE"));
        assertEquals("2", env.get("OPENBLAS_NUM_THREADS"));
        assertEquals("/usr/bin", env.get("PATH"));
        String line = Peers.describeBlasEnv(List.of("OPENBLAS_CORETYPE=Haswell", "OPENBLAS_L2_SIZE=512"), false);
        assertTrue(line.startsWith("OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=512 set in the environment and removed"), line);
        assertTrue(line.contains("--keep-blas-env keeps them"), line);
    }

    @Test
    void keepLeavesThemAndSaysSo() {
        Map<String, String> env = env();
        List<String> set = Peers.scrubBlasEnv(env, true);
        assertEquals(2, set.size());
        assertEquals("Haswell", env.get("OPENBLAS_CORETYPE"));
        assertEquals("512", env.get("OPENBLAS_L2_SIZE"));
        assertTrue(Peers.describeBlasEnv(set, true).contains("kept for the peers (--keep-blas-env)"));
    }

    @Test
    void nothingSetIsReportedToo() {
        Map<String, String> env = new HashMap<>(Map.of("OPENBLAS_L2_SIZE", "1024"));
        assertEquals(List.of("OPENBLAS_L2_SIZE=1024"), Peers.scrubBlasEnv(env, false));
        assertTrue(Peers.describeBlasEnv(List.of("OPENBLAS_L2_SIZE=1024"), false).contains("keeps it)"));
        assertEquals(List.of(), Peers.scrubBlasEnv(new HashMap<>(), false));
        assertTrue(Peers.describeBlasEnv(List.of(), false).startsWith("none of OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE set"));
    }

    @Test
    void peersKeepFreedMemoryUnlessTheEnvironmentSaysOtherwise() {
        Map<String, String> env = new HashMap<>(Map.of("MALLOC_TOP_PAD_", "1"));
        List<String> set = Peers.steadyMalloc(env);
        assertEquals(List.of("MALLOC_MMAP_THRESHOLD_=2000000000", "MALLOC_TRIM_THRESHOLD_=4000000000"), set.stream().sorted().toList());
        assertEquals("1", env.get("MALLOC_TOP_PAD_"), "a value the user set is kept");
    }
}
