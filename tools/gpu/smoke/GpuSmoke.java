package smoke;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.launch.Blas;
import dev.jgrad.cuda.launch.GemmKernels;
import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.Devices;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;

/**
 * First-run smoke test for the GPU machine: exits 3 when CUDA is unusable (the JUnit GPU tests
 * would only be "aborted", and the benchmarks print one line and exit 0), 4 when cuBLAS does not
 * load, 5 on a wrong result. Each step prints before it runs, so a crash names the step.
 * (The project's copy of the lab's smoke program, for jgrad's layered CUDA packages: pack with
 * {@code SMOKE_SRC=tools/gpu/smoke bash ../shared/gpu/pack.sh}.)
 */
public final class GpuSmoke {
    static void step(String s) { System.out.println("## " + s); System.out.flush(); }

    static double maxAbsDiff(Tensor a, Tensor b) {
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        double m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Double.isNaN(x[i] - y[i]) ? Double.POSITIVE_INFINITY : Math.abs(x[i] - y[i]));
        return m;
    }

    static void check(String what, double err, double tol) {
        System.out.printf("%-40s max|gpu-cpu| = %.3g (tol %.1g) %s%n", what, err, tol, err <= tol ? "OK" : "WRONG");
        if (!(err <= tol)) System.exit(5);
    }

    public static void main(String[] args) {
        step("driver");
        if (!Cuda.isAvailable()) { System.out.println("CUDA UNAVAILABLE: " + Cuda.unavailableReason()); System.exit(3); }
        CudaDevice gpu = Devices.get(0);
        System.out.println("driver " + Cuda.driverVersion() + ", " + gpu + ", smem opt-in " + gpu.maxSharedMemoryPerBlockOptin());
        step("cuBLAS");
        if (!Cuda.cublasAvailable()) { System.out.println("CUBLAS UNAVAILABLE: " + Cuda.cublasUnavailableReason()); System.exit(4); }
        System.out.println("cuBLAS " + Blas.of(gpu).library() + " v" + Blas.of(gpu).version());
        step("gemm module");
        GemmKernels g = GemmKernels.of(gpu);
        System.out.println("gemm image " + g.gemmImage() + ", wgmma " + g.hasWgmma());
        Device d = Device.cuda();
        Generator r = new Generator(7);
        step("elementwise + reduction");
        Tensor x = Tensor.randn(r, 1000, 37), xg = x.to(d);
        check("exp(x).sum(1)", maxAbsDiff(x.exp().sum(1), xg.exp().sum(1).to(Device.CPU)), 1e-3);
        step("softmax");
        check("softmax(x, 1)", maxAbsDiff(x.softmax(1), xg.softmax(1).to(Device.CPU)), 1e-6);
        step("matmul (cuBLAS FP32)");
        Tensor a = Tensor.randn(r, 129, 67), b = Tensor.randn(r, 67, 131);
        check("matmul 129x67x131", maxAbsDiff(a.matmul(b), a.to(d).matmul(b.to(d)).to(Device.CPU)), 1e-4);
        step("attention (FP32 SIMT)");
        Tensor q = Tensor.randn(r, 2, 3, 100, 64), k = Tensor.randn(r, 2, 3, 100, 64), v = Tensor.randn(r, 2, 3, 100, 64);
        Tensor ref = Tensor.scaledDotProductAttention(q, k, v, null, true, 0.125);
        check("sdpa causal d64", maxAbsDiff(ref, Tensor.scaledDotProductAttention(q.to(d), k.to(d), v.to(d), null, true, 0.125).to(Device.CPU)), 1e-4);
        step("attention (BF16 mma.sync)");
        Cuda.setAllowBf16Attention(true);
        check("sdpa causal d64 bf16", maxAbsDiff(ref, Tensor.scaledDotProductAttention(q.to(d), k.to(d), v.to(d), null, true, 0.125).to(Device.CPU)), 5e-2);
        Cuda.setAllowBf16Attention(false);
        step("synchronize");
        gpu.synchronize();
        System.out.println("SMOKE OK; memory " + gpu.memoryStats());
    }
}
