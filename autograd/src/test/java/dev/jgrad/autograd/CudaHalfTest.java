package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Op;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * float16 and bfloat16 on CUDA against the CPU: the same op on the same half values, forward and
 * backward, on both devices. Both compute in float32 and round once (the GPU's elementwise,
 * reduction and softmax kernels in float, matmul on cuBLAS with float32 accumulation), so results
 * agree within {@link #ULPS} half ulps of the tensor's scale (float32 sums in another order, and
 * the GPU's expf/tanhf against the CPU's polynomials, may round to neighbouring half values). The
 * BF16 attention kernels, reached from bfloat16 tensors directly, round q·kᵀ's softmax to bfloat16
 * inside, so they are held to 2e-2 relative, as {@link CudaAttentionTest} holds them. Skipped
 * without a usable GPU.
 */
class CudaHalfTest {
    private static final double ULPS = 2;

    private static Device cuda() {
        assumeTrue(Cuda.isAvailable(), "no CUDA device: " + Cuda.unavailableReason());
        return Device.cuda();
    }

    private static Tensor randomHalf(DType t, long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape).to(t);
    }

    /** gpu (copied to the CPU) within ULPS half ulps of (max |cpu| + |cpu|) of cpu, same dtype and shape. */
    private static void close(String what, Tensor cpu, Tensor gpu, DType t, double ulps) {
        assertEquals(cpu.dtype(), gpu.dtype(), what + ": dtype");
        assertArrayEquals(cpu.shape(), gpu.shape(), what + ": shape");
        double[] a = gpu.cpu().toDoubleArray(), b = cpu.toDoubleArray();
        double scale = 0;
        for (double v : b) if (Double.isFinite(v)) scale = Math.max(scale, Math.abs(v));
        double ulp = t == DType.FLOAT16 ? 0x1p-10 : 0x1p-7;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b[i] || (Double.isNaN(a[i]) && Double.isNaN(b[i]))) continue;
            double tol = ulps * ulp * (scale + Math.abs(b[i]));
            if (!(Math.abs(a[i] - b[i]) <= tol)) fail(what + ": element " + i + ": cuda " + a[i] + ", cpu " + b[i] + " (tolerance " + tol + ")");
        }
    }

    /** op on leaves in {@code t} on each device, then the gradients of sum(out · g); compared. */
    private static void sameOnBothDevices(String what, DType t, Function<List<Tensor>, Tensor> op, Tensor... inputs) {
        Device d = cuda();
        Tensor[] outs = new Tensor[2];
        Tensor[][] grads = new Tensor[2][inputs.length];
        for (int dev = 0; dev < 2; dev++) {
            Device device = dev == 0 ? Device.CPU : d;
            List<Tensor> leaves = java.util.Arrays.stream(inputs).map(x -> x.to(t).to(device).requiresGrad(true)).toList();
            Tensor out = op.apply(leaves);
            outs[dev] = out;
            out.backward(randomHalf(t, 99, out.shape()).to(device));
            for (int j = 0; j < inputs.length; j++) grads[dev][j] = leaves.get(j).grad();
        }
        assertEquals(t, outs[1].dtype(), what + ": the GPU result's dtype");
        close(what + " out", outs[0], outs[1], t, ULPS);
        for (int j = 0; j < inputs.length; j++) close(what + " grad" + j, grads[0][j], grads[1][j], t, 2 * ULPS);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void storageTransfersAndCasts(DType t) {
        Device d = cuda();
        Tensor x = Tensor.randn(new Generator(1), 33, 17).mul(100);
        Tensor h = x.to(t);
        assertArrayEquals(h.toHalfBits(), h.to(d).cpu().toHalfBits(), "round trip");
        assertArrayEquals(h.toHalfBits(), x.to(d).to(t).cpu().toHalfBits(), "float32 → half on the GPU rounds as the CPU does");
        assertArrayEquals(h.to(DType.FLOAT32).toFloatArray(), h.to(d).to(DType.FLOAT32).cpu().toFloatArray(), "half → float32 is exact");
        assertArrayEquals(h.t().contiguous().toHalfBits(), h.to(d).t().contiguous().cpu().toHalfBits(), "strided copy");
        assertArrayEquals(Tensor.full(0.1, t, 5).toHalfBits(), Tensor.full(0.1, t, 5).to(d).fill(0.1).cpu().toHalfBits(), "fill");
        Tensor other = h.to(t == DType.FLOAT16 ? DType.BFLOAT16 : DType.FLOAT16);
        assertArrayEquals(other.toHalfBits(), h.to(d).to(other.dtype()).cpu().toHalfBits(), "between the 16-bit types");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void elementwiseAndReductions(DType t) {
        Tensor a = randomHalf(t, 2, 8, 40), b = randomHalf(t, 3, 40);
        sameOnBothDevices("add/mul broadcast", t, in -> in.get(0).add(in.get(1)).mul(in.get(0)), a, b);
        sameOnBothDevices("exp tanh gelu", t, in -> in.get(0).exp().add(in.get(0).tanh()).add(in.get(0).gelu()), a);
        sameOnBothDevices("div sqrt", t, in -> in.get(0).div(in.get(1).abs().add(1)).abs().sqrt(), a, b);
        sameOnBothDevices("sum over rows", t, in -> in.get(0).sum(0), a);
        sameOnBothDevices("mean over cols", t, in -> in.get(0).mean(1), a);
        sameOnBothDevices("amax", t, in -> in.get(0).amax(new int[] {1}, true), a);
        sameOnBothDevices("softmax", t, in -> in.get(0).softmax(-1), a);
        sameOnBothDevices("log_softmax dim 0", t, in -> in.get(0).logSoftmax(0), a);
        sameOnBothDevices("logsumexp", t, in -> in.get(0).logsumexp(new int[] {1}, false), a);
        Device d = cuda();
        assertArrayEquals(a.argmax(1, false).toLongArray(), a.to(d).argmax(1, false).cpu().toLongArray(), "argmax");
        assertArrayEquals(a.gt(0.5).toBooleanArray(), a.to(d).gt(0.5).cpu().toBooleanArray(), "comparison");
        Tensor big = randomHalf(t, 4, 1 << 18);   // several blocks per output: partial accumulators in float
        close("long sum", big.sum(), big.to(d).sum(), t, 4);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void matmulOnCublasWithFloat32Accumulation(DType t) {
        sameOnBothDevices("matmul", t, in -> in.get(0).matmul(in.get(1)), randomHalf(t, 5, 33, 200), randomHalf(t, 6, 200, 17));
        sameOnBothDevices("batched matmul, transposed b", t, in -> in.get(0).matmul(in.get(1).transpose(-2, -1)),
                randomHalf(t, 7, 3, 9, 64), randomHalf(t, 8, 3, 11, 64));
        sameOnBothDevices("broadcast batch", t, in -> in.get(0).matmul(in.get(1)), randomHalf(t, 9, 4, 5, 16), randomHalf(t, 10, 16, 3));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void indexingAndFusedFamilies(DType t) {
        Tensor w = randomHalf(t, 11, 10, 8);
        Tensor ids = Tensor.of(new long[] {3, 1, 3, 9, 0});
        sameOnBothDevices("embedding", t, in -> Tensor.embedding(ids.to(in.get(0).device()), in.get(0)), w);
        sameOnBothDevices("gather", t, in -> in.get(0).gather(1, Tensor.of(new long[] {0, 7, 7, 2}, 1, 4).expand(10, 4).to(in.get(0).device())), w);
        sameOnBothDevices("layer_norm", t, in -> in.get(0).layerNorm(new int[] {8}, in.get(1), null, 1e-5), w, randomHalf(t, 12, 8));
        Tensor x = randomHalf(t, 13, 2, 3, 8, 8), k = randomHalf(t, 14, 4, 3, 3, 3);
        sameOnBothDevices("conv2d + max_pool2d", t, in -> in.get(0).conv2d(in.get(1), null, 1, 1).maxPool2d(2), x, k);
        Tensor target = Tensor.of(new long[] {1, 0, 7, 2, 2, 9, 4, 4, 0, 1});
        sameOnBothDevices("cross_entropy", t, in -> in.get(0).crossEntropy(target.to(in.get(0).device()), -100).sum(), w);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void attention(DType t) {
        Device d = cuda();
        Tensor q = randomHalf(t, 15, 2, 3, 70, 64), k = randomHalf(t, 16, 2, 3, 90, 64), v = randomHalf(t, 17, 2, 3, 90, 64);
        Tensor g = randomHalf(t, 18, 2, 3, 70, 64);
        Tensor[] cpu = sdpa(q, k, v, g, Device.CPU);
        Tensor[] gpu = sdpa(q, k, v, g, d);
        if (t == DType.BFLOAT16) assertInstanceOf(Op.Attention.class, gpu[4].op(), "bfloat16 tensors reach the fused BF16 kernels");
        for (int i = 0; i < 4; i++) {
            double err = CudaAttentionTest.relErr(gpu[i].to(DType.FLOAT64), cpu[i].to(DType.FLOAT64));
            if (!(err <= 2e-2)) fail("attention " + t + " output " + i + ": relative error " + err);
            assertEquals(t, gpu[i].dtype());
        }
    }

    /** out, dq, dk, dv (on the CPU) and the output tensor as produced. */
    private static Tensor[] sdpa(Tensor q0, Tensor k0, Tensor v0, Tensor g, Device d) {
        Tensor q = q0.to(d).requiresGrad(true), k = k0.to(d).requiresGrad(true), v = v0.to(d).requiresGrad(true);
        Tensor out = Tensor.scaledDotProductAttention(q, k, v, null, true, Double.NaN);
        out.backward(g.to(d));
        return new Tensor[] {out.cpu(), q.grad().cpu(), k.grad().cpu(), v.grad().cpu(), out};
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void autocastOnTheGpuCastsAsOnTheCpu(DType t) {
        Device d = cuda();
        Tensor w = Tensor.randn(new Generator(90), 6, 16).mul(0.2).to(d).requiresGrad(true), b = Tensor.randn(new Generator(91), 6).to(d)
                .requiresGrad(true);
        Tensor x = Tensor.randn(new Generator(92), 5, 16).to(d);
        Tensor target = Tensor.of(new long[] {0, 1, 2, 3, 4}, 5).to(d);
        Tensor logits, loss;
        try (var _ = dev.jgrad.tensor.Autocast.enable(t)) {
            logits = x.linear(w, b);
            loss = logits.crossEntropy(target, -100).mean();
        }
        assertEquals(t, logits.dtype());
        assertEquals(DType.FLOAT32, loss.dtype());
        loss.backward();
        assertEquals(DType.FLOAT32, w.grad().dtype());
        // the same graph cast by hand on the CPU
        Tensor wc = w.detach().cpu().requiresGrad(true), bc = b.detach().cpu().requiresGrad(true);
        Tensor lc = x.cpu().to(t).linear(wc.to(t), bc.to(t));
        close("autocast logits", lc, logits, t, ULPS);
        lc.to(DType.FLOAT32).crossEntropy(target.cpu(), -100).mean().backward();
        close("autocast weight gradient", wc.grad().to(t), w.grad().to(t), t, ULPS);
    }
}
