package dev.jgrad.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Linear-shaped matmul cases: their shapes, work and peer descriptions. */
class LinearMatmulsTest {
    @Test
    void forwardAndBackwardProductsOfALayer() {
        List<Workload> fc1 = Workloads.linearMatmuls(64, 784, 128);
        assertEquals(List.of("matmul_nn/64x784x128", "matmul_nt/64x128x784", "matmul_tn/784x64x128"), fc1.stream().map(Workload::id).toList());
        int[][] outShapes = {{64, 128}, {64, 784}, {784, 128}};
        for (int i = 0; i < 3; i++) {
            Workload w = fc1.get(i);
            assertEquals(2.0 * 64 * 784 * 128, w.work());
            assertTrue(w.openBlas());
            assertEquals("gemm", w.peer().get("kind"));
            Tensor c = (Tensor) w.build().run();
            assertArrayEquals(outShapes[i], c.shape(), w.id());
        }
        assertEquals(true, fc1.get(1).peer().get("tb"));
        assertEquals(true, fc1.get(2).peer().get("ta"));
    }

    @Test
    void theSuiteHoldsEveryLayerOnce() {
        List<String> ids = Workloads.cpuSuite().stream().map(Workload::id).toList();
        assertEquals(ids.size(), ids.stream().distinct().count());
        for (String id : new String[] {"matmul_nn/64x128x10", "matmul_nt/64x10x128", "matmul_tn/128x64x10", "matmul_nn/64x3136x128",
                "matmul_nt/64x128x3136", "matmul_tn/3136x64x128"}) {
            assertTrue(ids.contains(id), id);
        }
    }
}
