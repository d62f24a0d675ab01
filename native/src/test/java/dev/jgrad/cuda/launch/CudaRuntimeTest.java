package dev.jgrad.cuda.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.CudaException;
import dev.jgrad.cuda.CudaOutOfMemoryError;
import dev.jgrad.cuda.MemoryStats;
import dev.jgrad.cuda.ScalarType;
import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.DeviceBuffer;
import dev.jgrad.cuda.runtime.Devices;
import dev.jgrad.cuda.runtime.Event;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The runtime on a real GPU: memory, copies, the allocator, events, launch errors and the fused
 * kernels against Java references. Every test is skipped (assumeTrue) where no GPU is usable.
 * Outputs are poisoned (NaN / 0xFF bytes) before each kernel and inputs are random, never zeros.
 */
class CudaRuntimeTest {
    CudaDevice gpu;
    CudaKernels k;

    @BeforeEach
    void needGpu() {
        assumeTrue(Cuda.isAvailable(), "no CUDA device: " + Cuda.unavailableReason());
        gpu = Devices.get(0);
        k = CudaKernels.of(gpu);
    }

    DeviceBuffer upload(float[] a) {
        DeviceBuffer b = gpu.allocate(4L * a.length);
        b.copyFromHost(MemorySegment.ofArray(a), 0, 0, 4L * a.length);
        return b;
    }

    DeviceBuffer upload(long[] a) {
        DeviceBuffer b = gpu.allocate(8L * a.length);
        b.copyFromHost(MemorySegment.ofArray(a), 0, 0, 8L * a.length);
        return b;
    }

    DeviceBuffer poisonedFloats(int n) {
        DeviceBuffer b = gpu.allocate(4L * n);
        b.fillBytes(0xFF);   // 0xFFFFFFFF is a NaN
        return b;
    }

    float[] floats(DeviceBuffer b, int n) {
        float[] out = new float[n];
        b.copyToHost(0, MemorySegment.ofArray(out), 0, 4L * n);
        return out;
    }

    static float[] randn(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    static void close(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs(want[i] - got[i]) <= tol * Math.max(1, Math.abs(want[i])))) {
                throw new AssertionError(what + ": element " + i + " expected " + want[i] + " but was " + got[i]);
            }
        }
    }

    @Test
    void describesTheDevice() {
        assertTrue(gpu.computeCapability() >= 80, gpu.toString());
        assertTrue(gpu.totalMemory() > 1L << 30);
        assertTrue(gpu.multiprocessorCount() > 0);
        assertTrue(Cuda.driverVersion() >= 12000, "driver " + Cuda.driverVersion());
        long[] info = gpu.memoryInfo();
        assertTrue(info[0] > 0 && info[0] <= info[1]);
    }

    @Test
    void copiesRoundTripThroughPinnedStagingInChunks() {
        Random r = new Random(1);
        float[] a = randn(r, 5_000_003);   // > two 8 MiB chunks, odd size
        try (DeviceBuffer b = upload(a); DeviceBuffer c = gpu.allocate(4L * a.length)) {
            c.fillBytes(0xFF);
            c.copyFrom(b, 0, 0, 4L * a.length);
            assertArrayEquals(a, floats(c, a.length));
            float[] part = new float[10];
            c.copyToHost(4L * 100, MemorySegment.ofArray(part), 0, 40);
            assertArrayEquals(java.util.Arrays.copyOfRange(a, 100, 110), part);
        }
    }

    @Test
    void theAllocatorReusesFreedBlocksAndCountsThem() {
        gpu.emptyCache();
        MemoryStats before = gpu.memoryStats();
        DeviceBuffer b = gpu.allocate(3_000_000);
        long addr = b.address();
        assertEquals(4L << 20, b.blockSize());
        b.close();
        DeviceBuffer c = gpu.allocate(3_500_000);
        assertEquals(addr, c.address());
        MemoryStats s = gpu.memoryStats();
        assertEquals(before.cacheHits() + 1, s.cacheHits());
        assertEquals(before.allocatedBytes() + (4L << 20), s.allocatedBytes());
        c.close();
        gpu.emptyCache();
        assertEquals(gpu.memoryStats().allocatedBytes(), gpu.memoryStats().reservedBytes());
    }

    @Test
    void outOfMemoryStatesRequestedAndFreeBytes() {
        long huge = gpu.totalMemory() * 2;
        CudaOutOfMemoryError e = assertThrows(CudaOutOfMemoryError.class, () -> gpu.allocate(huge));
        assertEquals(huge, e.requestedBytes());
        assertTrue(e.freeBytes() > 0);
        assertTrue(e.getMessage().contains("tried to allocate"), e.getMessage());
    }

    @Test
    void eventsTimeWork() {
        try (Event a = gpu.newEvent(true); Event b = gpu.newEvent(true); DeviceBuffer buf = gpu.allocate(64L << 20)) {
            a.record(gpu.stream());
            buf.fillBytes(3);
            b.record(gpu.stream());
            float ms = a.elapsedMillis(b);
            assertTrue(ms >= 0 && ms < 1000, "elapsed " + ms);
            assertTrue(b.isDone());
        }
    }

    @Test
    void launchErrorsNameTheCallTheErrorAndTheKernel() {
        long fn = gpu.modules().function("elementwise", "fill_f32");
        KernelArgs args = KernelArgs.get().ptr(0).indexer(Indexing.coalesce(new int[] {1}, new int[] {1})).i32(0).f32(1f);
        CudaException e = assertThrows(CudaException.class,
                () -> gpu.driver().launchKernel(fn, 1, 1, 1, 4096, 1, 1, 0, gpu.stream().handle(), args.pointerArray(), "fill_f32"));
        assertEquals("cuLaunchKernel", e.call());
        assertEquals("CUDA_ERROR_INVALID_VALUE", e.errorName());
        assertTrue(e.getMessage().contains("kernel 'fill_f32' grid (1, 1, 1) block (4096, 1, 1)"), e.getMessage());
        CudaException missing = assertThrows(CudaException.class, () -> gpu.modules().function("elementwise", "no_such_kernel"));
        assertEquals("cuModuleGetFunction", missing.call());
        assertEquals("CUDA_ERROR_NOT_FOUND", missing.errorName());
        gpu.synchronize();   // the context is still usable
    }

    @Test
    void dropoutKeepsAboutOneMinusPAndScalesByTheGivenFactorBitForBit() {
        // the mask against the Philox Java twin is checked where both devices meet (the tensor module)
        Random r = new Random(2);
        int n = 10_001;
        float p = 0.3f;
        float scale = 1 / (1 - p);
        float[] x = randn(r, n);
        try (DeviceBuffer xb = upload(x); DeviceBuffer out = poisonedFloats(n); DeviceBuffer mask = gpu.allocate(n);
             DeviceBuffer mask2 = gpu.allocate(n); DeviceBuffer other = gpu.allocate(n); DeviceBuffer dx = poisonedFloats(n)) {
            mask.fillBytes(7);
            k.dropoutForward(ScalarType.F32, out.address(), mask.address(), xb.address(), n, p, scale, 42, 5);
            k.dropoutBackward(ScalarType.F32, dx.address(), xb.address(), mask.address(), n, scale);
            k.dropoutForward(ScalarType.F32, out.address(), mask2.address(), xb.address(), n, p, scale, 42, 5);
            k.dropoutForward(ScalarType.F32, out.address(), other.address(), xb.address(), n, p, scale, 42, 6);
            float[] got = floats(out, n), gotDx = floats(dx, n);
            byte[] m = new byte[n], m2 = new byte[n], m3 = new byte[n];
            mask.copyToHost(0, MemorySegment.ofArray(m), 0, n);
            mask2.copyToHost(0, MemorySegment.ofArray(m2), 0, n);
            other.copyToHost(0, MemorySegment.ofArray(m3), 0, n);
            assertArrayEquals(m, m2, "same seed and offset, same mask");
            assertNotEquals(java.util.Arrays.toString(m), java.util.Arrays.toString(m3), "another offset, another mask");
            int kept = 0;
            for (int i = 0; i < n; i++) {
                assertTrue(m[i] == 0 || m[i] == 1, "mask byte " + m[i]);
                kept += m[i];
                assertEquals(m[i] == 1 ? x[i] * scale : 0f, got[i], "out " + i);
                assertEquals(m[i] == 1 ? x[i] * scale : 0f, gotDx[i], "dx " + i);
            }
            assertEquals(1 - p, kept / (double) n, 0.02);
        }
    }

    @Test
    void layerNormForwardAndBackwardMatchTheFormula() {
        Random r = new Random(3);
        int N = 37, C = 300;
        float[] x = randn(r, N * C), w = randn(r, C), b = randn(r, C), dout = randn(r, N * C);
        double[] mean = new double[N], rstd = new double[N];
        float[] y = new float[N * C], dx = new float[N * C], dw = new float[C], db = new float[C];
        for (int n = 0; n < N; n++) {
            double s = 0, v = 0;
            for (int c = 0; c < C; c++) s += x[n * C + c];
            mean[n] = s / C;
            for (int c = 0; c < C; c++) v += Math.pow(x[n * C + c] - mean[n], 2);
            rstd[n] = 1 / Math.sqrt(v / C + 1e-5);
            double sg = 0, sgn = 0;
            for (int c = 0; c < C; c++) {
                double norm = (x[n * C + c] - mean[n]) * rstd[n];
                y[n * C + c] = (float) (norm * w[c] + b[c]);
                double g = dout[n * C + c] * w[c];
                sg += g;
                sgn += g * norm;
                dw[c] += (float) (dout[n * C + c] * norm);
                db[c] += dout[n * C + c];
            }
            for (int c = 0; c < C; c++) {
                double norm = (x[n * C + c] - mean[n]) * rstd[n];
                dx[n * C + c] = (float) (rstd[n] * (dout[n * C + c] * w[c] - sg / C - norm * sgn / C));
            }
        }
        try (DeviceBuffer xb = upload(x); DeviceBuffer wb = upload(w); DeviceBuffer bb = upload(b); DeviceBuffer db2 = upload(dout);
             DeviceBuffer yb = poisonedFloats(N * C); DeviceBuffer mb = poisonedFloats(N); DeviceBuffer rb = poisonedFloats(N);
             DeviceBuffer dxb = poisonedFloats(N * C); DeviceBuffer dwb = gpu.allocate(4L * C); DeviceBuffer dbb = gpu.allocate(4L * C)) {
            dwb.fillBytes(0);
            dbb.fillBytes(0);
            k.layerNormForward(ScalarType.F32, yb.address(), mb.address(), rb.address(), xb.address(), wb.address(), bb.address(), N, C, 1e-5);
            k.layerNormBackwardInput(ScalarType.F32, dxb.address(), db2.address(), xb.address(), mb.address(), rb.address(), wb.address(), N, C);
            k.layerNormBackwardParams(ScalarType.F32, dwb.address(), dbb.address(), db2.address(), xb.address(), mb.address(), rb.address(), N, C);
            close(y, floats(yb, N * C), 1e-5, "layernorm y");
            close(dx, floats(dxb, N * C), 1e-4, "layernorm dx");
            close(dw, floats(dwb, C), 1e-4, "layernorm dweight");
            close(db, floats(dbb, C), 1e-4, "layernorm dbias");
        }
    }

    @Test
    void crossEntropyGivesLossAndGradientAndRejectsBadTargets() {
        Random r = new Random(4);
        int N = 9, V = 5003;
        float[] logits = randn(r, N * V);
        long[] t = new long[N];
        for (int i = 0; i < N; i++) t[i] = r.nextInt(V);
        t[3] = -100;   // ignored
        float[] loss = new float[N], lse = new float[N], grad = new float[N * V], dloss = randn(r, N), gradRows = new float[N * V];
        for (int n = 0; n < N; n++) {
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int j = 0; j < V; j++) m = Math.max(m, logits[n * V + j]);
            for (int j = 0; j < V; j++) s += Math.exp(logits[n * V + j] - m);
            lse[n] = (float) (Math.log(s) + m);
            if (t[n] == -100) continue;
            loss[n] = (float) (Math.log(s) + m - logits[n * V + (int) t[n]]);
            for (int j = 0; j < V; j++) {
                double g = Math.exp(logits[n * V + j] - m) / s - (j == t[n] ? 1 : 0);
                grad[n * V + j] = (float) (g / 8);
                gradRows[n * V + j] = (float) (g * dloss[n]);
            }
        }
        try (DeviceBuffer lb = upload(logits); DeviceBuffer tb = upload(t); DeviceBuffer loss2 = poisonedFloats(N);
             DeviceBuffer lse2 = poisonedFloats(N); DeviceBuffer gb = poisonedFloats(N * V); DeviceBuffer scale = upload(new float[] {1f / 8});
             DeviceBuffer perRow = upload(dloss)) {
            k.crossEntropyForward(ScalarType.F32, loss2.address(), lse2.address(), lb.address(), tb.address(), N, V, -100);
            close(loss, floats(loss2, N), 1e-5, "loss");
            close(lse, floats(lse2, N), 1e-5, "lse");
            k.crossEntropyBackward(ScalarType.F32, gb.address(), lb.address(), lse2.address(), tb.address(), scale.address(), 0, N, V, -100);
            close(grad, floats(gb, N * V), 1e-6, "dlogits (one scalar upstream gradient)");
            k.crossEntropyBackward(ScalarType.F32, gb.address(), lb.address(), lse2.address(), tb.address(), perRow.address(), 1, N, V, -100);
            close(gradRows, floats(gb, N * V), 1e-5, "dlogits (one upstream gradient per row)");
            long[] bad = t.clone();
            bad[5] = V;
            try (DeviceBuffer badb = upload(bad)) {
                IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                        () -> k.crossEntropyForward(ScalarType.F32, loss2.address(), 0, lb.address(), badb.address(), N, V, -100));
                assertEquals("cross_entropy: target " + V + " is out of bounds for " + V + " classes", e.getMessage());
                assertEquals(0f, floats(loss2, N)[5], "the bad row's loss");
            }
        }
    }

    @Test
    void peerCopiesRunInStreamOrderWithoutTheHost() {
        Random r = new Random(8);
        float[] a = randn(r, 1 << 20);
        CudaDevice last = Devices.get(Cuda.deviceCount() - 1);   // another GPU where there is one, else the same
        try (DeviceBuffer src = upload(a); DeviceBuffer dst = last.allocate(4L * a.length)) {
            dst.fillBytes(0xFF);
            src.fillBytes(0);                                        // queued on the source stream before the copy
            dst.copyFromPeer(src, 0, 0, 4L * a.length);
            src.copyFromHost(MemorySegment.ofArray(a), 0, 0, 4L * a.length);   // after the copy: must not leak into dst
            float[] got = new float[a.length];
            dst.copyToHost(0, MemorySegment.ofArray(got), 0, 4L * a.length);
            assertArrayEquals(new float[a.length], got);
            dst.copyFromPeer(src, 4 * 10, 0, 4 * 5);
            dst.copyToHost(0, MemorySegment.ofArray(got), 0, 4 * 5);
            assertArrayEquals(java.util.Arrays.copyOfRange(a, 10, 15), java.util.Arrays.copyOfRange(got, 0, 5));
        }
    }

    @Test
    void adamWAndSgdStepsMatchTheOptimizers() {
        Random r = new Random(5);
        int n = 4099;
        float[] p = randn(r, n), g = randn(r, n), m = randn(r, n), v = new float[n];
        for (int i = 0; i < n; i++) v[i] = Math.abs((float) r.nextGaussian());
        double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        int step = 3;
        double bc1 = 1 - Math.pow(b1, step), bc2 = 1 - Math.pow(b2, step);
        float[] wp = new float[n], wm = new float[n], wv = new float[n];
        for (int i = 0; i < n; i++) {
            double w = p[i] * (1 - lr * wd);
            double mi = b1 * m[i] + (1 - b1) * g[i], vi = b2 * v[i] + (1 - b2) * g[i] * g[i];
            wm[i] = (float) mi;
            wv[i] = (float) vi;
            wp[i] = (float) (w - (mi / (Math.sqrt(vi) / Math.sqrt(bc2) + eps)) * (lr / bc1));
        }
        try (DeviceBuffer pb = upload(p); DeviceBuffer gb = upload(g); DeviceBuffer mb = upload(m); DeviceBuffer vb = upload(v)) {
            k.adam(ScalarType.F32, pb.address(), gb.address(), mb.address(), vb.address(), n, lr, b1, b2, eps, wd, bc1, bc2, true);
            close(wp, floats(pb, n), 1e-5, "adamw p");
            close(wm, floats(mb, n), 1e-6, "adamw m");
            close(wv, floats(vb, n), 1e-6, "adamw v");
        }
        float[] buf = randn(r, n), sp = new float[n], sb = new float[n];
        for (int i = 0; i < n; i++) {
            double gi = g[i] + 0.1 * p[i];
            double bi = 0.9 * buf[i] + gi;
            sb[i] = (float) bi;
            sp[i] = (float) (p[i] - 0.05 * (gi + 0.9 * bi));
        }
        try (DeviceBuffer pb = upload(p); DeviceBuffer gb = upload(g); DeviceBuffer bb = upload(buf)) {
            k.sgd(ScalarType.F32, pb.address(), gb.address(), bb.address(), n, 0.05, 0.9, 0, 0.1, true, false);
            close(sp, floats(pb, n), 1e-5, "sgd p");
            close(sb, floats(bb, n), 1e-5, "sgd buf");
        }
    }

    @Test
    void embeddingBackwardAccumulatesRepeatedRows() {
        int num = 7, dim = 33, n = 50;
        Random r = new Random(6);
        long[] idx = new long[n];
        for (int i = 0; i < n; i++) idx[i] = r.nextInt(num);
        float[] dout = randn(r, n * dim), want = new float[num * dim];
        for (int i = 0; i < n; i++) for (int j = 0; j < dim; j++) want[(int) idx[i] * dim + j] += dout[i * dim + j];
        try (DeviceBuffer ib = upload(idx); DeviceBuffer db = upload(dout); DeviceBuffer dw = gpu.allocate(4L * num * dim)) {
            dw.fillBytes(0);
            k.embeddingBackward(ScalarType.F32, dw.address(), db.address(), ib.address(), n, dim, num);
            close(want, floats(dw, num * dim), 1e-5, "embedding backward");
        }
    }

    @Test
    void cublasLoadsAndMultiplies() {
        assumeTrue(Cuda.cublasAvailable(), Cuda.cublasUnavailableReason());
        Blas blas = Blas.of(gpu);
        assertTrue(blas.version() > 0);
        Random r = new Random(7);
        int m = 33, n = 17, kk = 65;
        float[] a = randn(r, m * kk), b = randn(r, kk * n), want = new float[m * n];
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
            double s = 0;
            for (int p = 0; p < kk; p++) s += a[i * kk + p] * b[p * n + j];
            want[i * n + j] = (float) s;
        }
        try (DeviceBuffer ab = upload(a); DeviceBuffer bb = upload(b); DeviceBuffer cb = poisonedFloats(m * n)) {
            assertTrue(blas.matmul(ScalarType.F32, 1, m, n, kk, cb.address(), ab.address(), new int[] {0, kk, 1}, bb.address(),
                    new int[] {0, n, 1}));
            close(want, floats(cb, m * n), 1e-4, "sgemm");
            assertNotEquals(0, blas.library().length());
        }
    }
}
