package dev.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The fusion pass over hand-built tapes: which kernels become one pass, what stays in registers, and the eager bits. */
class ChainFusionTest {
    private static final int[] LENGTHS = {2, 17, 4099, 70_001};

    private static int[] bits(Tensor t) {
        float[] f = t.toFloatArray();
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) b[i] = Float.floatToRawIntBits(f[i]);
        return b;
    }

    /** Records {@code f(x, w)} kept past the scope, replays it on new inputs and compares with the eager result, bit for bit. */
    private static Tape assertReplaysAsEager(int n, Function<Tensor[], Tensor[]> f) {
        Tensor x = Tensor.randn(new Generator(1), n), w = Tensor.randn(new Generator(2), n);
        Tensor[][] out = new Tensor[1][];
        Tape tape = Tape.record(() -> {
            try (var scope = Tensor.scope()) {
                out[0] = f.apply(new Tensor[] {x, w});
                for (Tensor t : out[0]) scope.keep(t);
            }
        });
        assertNull(tape.brokenReason(), tape.toString());
        x.copyFrom(Tensor.randn(new Generator(3), n).mul(4));
        w.copyFrom(Tensor.randn(new Generator(4), n));
        tape.replay();
        Tensor[] eager = f.apply(new Tensor[] {x, w});
        for (int k = 0; k < eager.length; k++) assertArrayEquals(bits(eager[k]), bits(out[0][k]), "result " + k + " at n=" + n + ": " + tape);
        return tape;
    }

    @Test
    void aChainRunsInOnePassAndKeepsItsTemporariesInRegisters() {
        for (int n : LENGTHS) {
            Tape tape = assertReplaysAsEager(n, in -> new Tensor[] {in[0].mul(2).add(1).mul(3).add(4)});
            assertEquals(List.of("mul→add→mul→add over " + n + ", 3 kept in registers"), tape.fusedChains(), tape.toString());
            assertEquals(4, tape.fusedKernelCount());
            List<Object> arrays = tape.arrays();
            assertEquals(3, arrays.stream().filter(Objects::isNull).count(), "three temporaries have no array: " + tape);
            Tensor x = Tensor.ones(n);
            Tape unfused = Tape.record(() -> {
                try (var scope = Tensor.scope()) {
                    scope.keep(x.mul(2).add(1).mul(3).add(4));
                }
            }, false);
            // the four one-element scalar operands are filled ahead of the chain, so they no longer share
            // one array: at n = 2 that costs more than the temporaries save
            if (n > 4) assertTrue(tape.planBytes() < unfused.planBytes(), tape + " against " + unfused);
            assertTrue(unfused.fusedChains().isEmpty());
        }
    }

    @Test
    void everyFusableOpGivesTheEagerBits() {
        for (int n : LENGTHS) {
            assertReplaysAsEager(n, in -> new Tensor[] {in[0].abs().sqrt().neg().relu().maximum(in[1]).minimum(in[1].mul(0.5)).sub(in[1]).div(in[1].add(3))});
        }
    }

    @Test
    void anIntermediateReadLaterIsStoredAndTheChainStillFuses() {
        for (int n : LENGTHS) {
            Tape tape = assertReplaysAsEager(n, in -> {
                Tensor a = in[0].mul(in[1]);             // read again by sum(), after the chain
                Tensor b = a.add(1).relu();
                return new Tensor[] {b, a.sum()};
            });
            assertEquals(1, tape.fusedChains().size(), tape.toString());
            assertTrue(tape.fusedChains().getFirst().endsWith("1 kept in registers"), tape.fusedChains().toString());
        }
    }

    @Test
    void aResultHeldPastTheRecordingIsStored() {
        Tape tape = assertReplaysAsEager(4099, in -> {
            Tensor a = in[0].add(in[1]);
            Tensor b = a.relu();
            return new Tensor[] {a, b};   // both kept: neither may live in registers alone
        });
        assertEquals(List.of("add→relu over 4099"), tape.fusedChains());
    }

    @Test
    void chainsStopAtOtherKernelsAndOtherLengths() {
        Tape tape = assertReplaysAsEager(1000, in -> {
            Tensor a = in[0].mul(in[1]).add(1);             // chain 1
            Tensor s = a.softmax(0);                          // not elementwise
            Tensor b = s.mul(3).relu();                       // chain 2
            Tensor c = in[0].reshape(10, 100).sum(1).mul(2).add(1);   // length 10: a chain of its own
            return new Tensor[] {b, c};
        });
        assertEquals(3, tape.fusedChains().size(), tape.fusedChains().toString());
    }

    @Test
    void anOffsetViewAndABroadcastScalarTensorJoinAChain() {
        assertReplaysAsEager(4099, in -> {
            Tensor both = Tensor.cat(List.of(in[0], in[1]), 0);        // [2n]
            Tensor hi = both.slice(0, 4099, 8198, 1);                   // a contiguous view at offset n
            Tensor m = in[1].max();                                     // a 0-d tensor, broadcast
            return new Tensor[] {hi.mul(in[0]).add(m).relu()};
        });
    }

    @Test
    void aBiasBroadcastOverRowsJoinsAChain() {
        int rows = 37, cols = 64;   // a whole number of vectors per row
        Tape tape = assertReplaysAsEager(rows * cols, in -> {
            Tensor bias = in[1].slice(0, 0, cols, 1);
            return new Tensor[] {in[0].reshape(rows, cols).add(bias).relu()};
        });
        assertEquals(List.of("add→relu over " + rows * cols + ", 1 kept in registers"), tape.fusedChains());
        Tape narrow = assertReplaysAsEager(37 * 10, in -> new Tensor[] {in[0].reshape(37, 10).add(in[1].slice(0, 0, 10, 1)).relu()});
        if (dev.jgrad.kernels.fused.ElementwiseChain.lanes() > 2) {
            assertTrue(narrow.fusedChains().isEmpty(), "a row of 10 floats is no whole number of vectors: " + narrow.fusedChains());
        }
    }

    @Test
    void turnedOffTheTapeReplaysTheSameBits() {
        Tensor x = Tensor.randn(new Generator(5), 4099);
        Tensor[] a = new Tensor[1], b = new Tensor[1];
        Tape fused = Tape.record(() -> a[0] = x.mul(2).sub(x).relu().add(1), true);
        Tape plain = Tape.record(() -> b[0] = x.mul(2).sub(x).relu().add(1), false);
        assertNotNull(fused.fusedChains());
        assertEquals(1, fused.fusedChains().size());
        x.copyFrom(Tensor.randn(new Generator(6), 4099));
        fused.replay();
        plain.replay();
        assertArrayEquals(bits(b[0]), bits(a[0]));
        assertTrue(fused.kernelCount() < plain.kernelCount(), fused + " against " + plain);
    }
}
