package dev.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The kernel recording behind captured steps: replays, the memory plan, and what breaks a tape. */
class TapeTest {
    private static final int N = 4096;

    @Test
    void aReplayRecomputesFromTheInputsCurrentValues() {
        Tensor x = Tensor.randn(new Generator(1), N), w = Tensor.randn(new Generator(2), N);
        Tensor[] out = new Tensor[1];
        Tape tape = Tape.record(() -> out[0] = x.mul(w).add(1).relu().sum());
        assertNull(tape.brokenReason(), tape.toString());
        float first = out[0].toFloatArray()[0];
        x.copyFrom(Tensor.randn(new Generator(3), N));
        tape.replay();
        assertEquals(x.mul(w).add(1).relu().sum().toFloatArray()[0], out[0].toFloatArray()[0]);
        assertTrue(first != out[0].toFloatArray()[0]);
    }

    @Test
    void temporariesWithDisjointLivesShareOneArray() {
        Tensor x = Tensor.randn(new Generator(1), N);
        Tensor[] out = new Tensor[1];
        Tape tape = Tape.record(() -> {
            try (var scope = Tensor.scope()) {   // four temporaries of one size, each dead after the next op
                out[0] = scope.keep(x.mul(2).add(1).mul(3).add(4).sum());
            }
        }, false);   // the plan alone: fused, the chain keeps three of them in registers (ChainFusionTest)
        List<Object> big = tape.arrays().stream().filter(a -> a instanceof float[] f && f.length == N).toList();
        assertEquals(4, big.size(), tape.toString());
        assertSame(big.get(0), big.get(2), "the first temporary's array serves the third");
        assertSame(big.get(1), big.get(3), "the second's serves the fourth");
        assertTrue(tape.arrayCount() < tape.allocationCount(), tape.toString());
        assertTrue(tape.planBytes() < tape.allocatedBytes(), tape.toString());
        float expected = x.mul(2).add(1).mul(3).add(4).sum().toFloatArray()[0];
        tape.replay();
        tape.replay();
        assertEquals(expected, out[0].toFloatArray()[0]);
    }

    @Test
    void aZeroedAllocationIsZeroedAgainOnEachReplay() {
        Tensor index = Tensor.of(new long[] {0, 1, 0, 1}), src = Tensor.ones(4);
        Tensor[] out = new Tensor[1];
        Tape tape = Tape.record(() -> out[0] = Tensor.zeros(2).scatterAdd(0, index, src));   // accumulates into zeros
        tape.replay();
        tape.replay();
        assertArrayEquals(new float[] {2, 2}, out[0].toFloatArray());
    }

    @Test
    void aHostReadBreaksTheTapeAndSaysWhere() {
        Tensor x = Tensor.randn(new Generator(1), N);
        Tape tape = Tape.record(() -> {
            if (x.sum().item() > 0) x.mul(2);
        });
        assertNotNull(tape.brokenReason());
        assertTrue(tape.brokenReason().contains("host") && tape.brokenReason().contains("Tensor.item"), tape.brokenReason());
        var e = assertThrows(IllegalStateException.class, tape::replay);
        assertTrue(e.getMessage().contains("cannot be replayed"), e.getMessage());
    }

    @Test
    void aRandomDrawOutsideAKernelBreaksTheTapeButDropoutDrawsInside() {
        Generator host = new Generator(1);
        Tape random = Tape.record(() -> Tensor.scalar(host.nextDouble()));
        assertTrue(random.brokenReason() != null && random.brokenReason().contains("random"), String.valueOf(random.brokenReason()));

        Generator r = new Generator(7), rTwin = new Generator(7);
        Tensor[] noise = new Tensor[1];
        Tape rand = Tape.record(() -> noise[0] = Tensor.rand(r, 64).add(Tensor.randint(r, 0, 5, 64)));   // drawn inside kernels
        assertNull(rand.brokenReason(), rand.toString());
        assertArrayEquals(Tensor.rand(rTwin, 64).add(Tensor.randint(rTwin, 0, 5, 64)).toFloatArray(), noise[0].toFloatArray());
        rand.replay();
        assertArrayEquals(Tensor.rand(rTwin, 64).add(Tensor.randint(rTwin, 0, 5, 64)).toFloatArray(), noise[0].toFloatArray());

        Generator g = new Generator(5), twin = new Generator(5);
        Tensor x = Tensor.ones(N);
        Tensor[] out = new Tensor[1];
        Tape dropout = Tape.record(() -> out[0] = x.dropout(0.5, g));
        assertNull(dropout.brokenReason(), dropout.toString());
        assertArrayEquals(x.dropout(0.5, twin).toFloatArray(), out[0].toFloatArray());
        dropout.replay();   // a new mask, the next one the generator gives
        assertArrayEquals(x.dropout(0.5, twin).toFloatArray(), out[0].toFloatArray());
    }

    @Test
    void recordingsDoNotNest() {
        var e = assertThrows(IllegalStateException.class, () -> Tape.record(() -> Tape.record(() -> {})));
        assertTrue(e.getMessage().contains("nest"), e.getMessage());
    }
}
