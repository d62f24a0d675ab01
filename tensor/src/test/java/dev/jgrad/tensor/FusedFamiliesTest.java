package dev.jgrad.tensor;

import static dev.jgrad.tensor.CudaBackendTest.close;
import static dev.jgrad.tensor.CudaBackendTest.device;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.kernels.Philox;
import dev.jgrad.tensor.internal.TensorInternals;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fused families that switch over the device themselves (dropout, cross-entropy, the
 * optimizer updates, row lookups, transfers between GPUs), one body per device: each result
 * equals its definition on the CPU, and the CUDA result equals the CPU's.
 */
class FusedFamiliesTest {

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void dropoutKeepsExactlyThePhiloxMaskOfItsSeedOnEveryDevice(String dev) {
        Device d = device(dev);
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (double p : new double[] {0, 0.25, 0.5, 1}) {
                Tensor x = Tensor.randn(new Generator(3), 7, 13).to(t);
                Tensor xd = x.to(d).detach().requiresGrad(true);
                Tensor y = xd.dropout(p, new Generator(42));
                long seed = new Generator(42).nextLong();
                double scale = p < 1 ? 1 / (1 - p) : 0;
                double[] xv = x.toDoubleArray(), yv = y.toDoubleArray();
                boolean[] kept = new boolean[xv.length];
                for (int i = 0; i < xv.length; i++) {
                    kept[i] = Philox.uniform(Philox.word(seed, 0, i)) >= (float) p;
                    double want = t == DType.FLOAT32 ? (double) ((float) xv[i] * (float) scale) : xv[i] * scale;
                    assertEquals(kept[i] ? want : 0, yv[i], 0, t + " p=" + p + " element " + i);
                }
                Tensor g = Tensor.randn(new Generator(4), 7, 13).to(t);
                double[] gv = g.toDoubleArray(), dx = ((Op.Dropout) y.op()).backward(g.to(d)).toDoubleArray();
                for (int i = 0; i < gv.length; i++) {
                    double want = t == DType.FLOAT32 ? (double) ((float) gv[i] * (float) scale) : gv[i] * scale;
                    assertEquals(kept[i] ? want : 0, dx[i], 0, t + " p=" + p + " gradient " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void dropoutOutsideTheGraphSavesNoMask(String dev) {
        Device d = device(dev);
        Tensor y = Tensor.ones(5).to(d).dropout(0.5, new Generator(1));
        assertNull(y.op());
        assertEquals(d, y.device());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void crossEntropyMatchesLogSoftmaxAndItsGradientOnEveryDevice(String dev) {
        Device d = device(dev);
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor logits = Tensor.randn(new Generator(5), 6, 11).mul(4).to(t);
            Tensor target = Tensor.of(new long[] {3, -100, 0, 10, 7, -100});
            Tensor loss = logits.to(d).detach().requiresGrad(true).crossEntropy(target.to(d), -100);
            Tensor g = Tensor.randn(new Generator(6), 6).to(t);
            Tensor[] grads = ((Op.CrossEntropy) loss.op()).backward(g.to(d));
            assertNull(grads[1], "no gradient for the target");
            double[] l = loss.toDoubleArray(), lg = logits.toDoubleArray(), dx = grads[0].toDoubleArray(), gv = g.toDoubleArray();
            long[] tv = target.toLongArray();
            double tol = t == DType.FLOAT32 ? 2e-5 : 1e-12;
            for (int n = 0; n < 6; n++) {
                double m = Double.NEGATIVE_INFINITY, s = 0;
                for (int j = 0; j < 11; j++) m = Math.max(m, lg[n * 11 + j]);
                for (int j = 0; j < 11; j++) s += Math.exp(lg[n * 11 + j] - m);
                double lse = m + Math.log(s);
                boolean ignored = tv[n] == -100;
                assertEquals(ignored ? 0 : lse - lg[n * 11 + (int) tv[n]], l[n], tol * 10, t + " loss " + n);
                for (int j = 0; j < 11; j++) {
                    double want = ignored ? 0 : (Math.exp(lg[n * 11 + j] - lse) - (j == tv[n] ? 1 : 0)) * gv[n];
                    assertEquals(want, dx[n * 11 + j], tol, t + " gradient " + n + "," + j);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void logSumExpIsStableAndReducesAnyDimsOnEveryDevice(String dev) {
        Device d = device(dev);
        double inf = Double.POSITIVE_INFINITY;
        Tensor x = Tensor.of(new double[] {1000, 1000, -inf, -inf, 0, Math.log(3), -inf, 5}, 4, 2);
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            double[] lse = x.to(t).to(d).logsumexp(new int[] {1}, false).toDoubleArray();
            assertEquals(1000 + Math.log(2), lse[0], 1e-3, t + " large values");
            assertEquals(-inf, lse[1], t + " a row of -inf");
            assertEquals(Math.log(4), lse[2], 1e-6, t + " ln(1 + 3)");
            assertEquals(5, lse[3], 1e-6, t + " one finite value");
        }
        Tensor y = Tensor.randn(new Generator(12), 3, 4, 5);
        for (int[] dims : new int[][] {{0}, {1}, {0, 2}, {}}) {
            Tensor want = y.exp().sum(dims, true).log();
            close(want, y.to(d).logsumexp(dims, true).cpu(), 1e-5, "logsumexp over " + java.util.Arrays.toString(dims));
        }
        assertEquals(-inf, Tensor.zeros(2, 0).to(d).logsumexp(new int[] {1}, false).toDoubleArray()[0], "an empty reduction");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void fusedAdamAndSgdUpdateInPlaceOnTheParametersDevice(String dev) {
        Device d = device(dev);
        Tensor p0 = Tensor.randn(new Generator(7), 5, 3), g = Tensor.randn(new Generator(8), 5, 3);
        Tensor pc = p0.clone(), mc = Tensor.zerosLike(p0), vc = Tensor.zerosLike(p0);
        Tensor pd = p0.to(d).clone(), md = mc.to(d).clone(), vd = vc.to(d).clone();
        try (var _ = GradMode.noGrad()) {
            assertTrue(TensorInternals.adam(pc, g, mc, vc, 1e-2, 0.9, 0.999, 1e-8, 0.1, true, 0.1, 0.001));
            assertTrue(TensorInternals.adam(pd, g.to(d), md, vd, 1e-2, 0.9, 0.999, 1e-8, 0.1, true, 0.1, 0.001));
        }
        close(pc, pd.cpu(), 1e-6, "adamw parameter");
        close(mc, md.cpu(), 1e-6, "adamw first moment");
        close(vc, vd.cpu(), 1e-6, "adamw second moment");
        Tensor bc = Tensor.zerosLike(p0), bd = bc.to(d).clone();
        try (var _ = GradMode.noGrad()) {
            for (int step = 0; step < 2; step++) {
                assertTrue(TensorInternals.sgd(pc, g, bc, 0.1, 0.9, 0, 1e-4, true, step == 0));
                assertTrue(TensorInternals.sgd(pd, g.to(d), bd, 0.1, 0.9, 0, 1e-4, true, step == 0));
            }
        }
        close(pc, pd.cpu(), 1e-6, "sgd parameter");
        close(bc, bd.cpu(), 1e-6, "sgd momentum buffer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void rowLookupsAndTheirGradientMatchTheCpu(String dev) {
        Device d = device(dev);
        Tensor w = Tensor.randn(new Generator(9), 10, 6);
        Tensor ids = Tensor.of(new long[] {3, 3, 9, 0, 7}, 5);   // (a -1 here used to wrap to row 9; it is an error now)
        Tensor index = IndexingOps.selectionIndex(w, 0, ids);   // the [5, 6] index an embedding lookup gathers with
        Tensor g = Tensor.randn(new Generator(10), 5, 6);
        close(w.gather(0, index), w.to(d).gather(0, index.to(d)).cpu(), 0, "row lookup");
        Tensor zeros = Tensor.zerosLike(w);
        close(zeros.scatterAdd(0, index, g), zeros.to(d).scatterAdd(0, index.to(d), g.to(d)).cpu(), 1e-6, "its gradient (rows added back)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cuda"})
    void tensorsMoveBetweenGpusWithoutChangingABit(String dev) {
        device(dev);
        assumeTrue(Cuda.deviceCount() >= 2, "one GPU: no second device to copy to");
        Tensor x = Tensor.randn(new Generator(11), 300, 7).transpose(0, 1);
        Tensor back = x.to(Device.cuda(0)).to(Device.cuda(1)).cpu();
        assertArrayEquals(x.toFloatArray(), back.toFloatArray());
    }
}
