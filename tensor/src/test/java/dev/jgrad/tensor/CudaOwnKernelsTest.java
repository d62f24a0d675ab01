package dev.jgrad.tensor;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.launch.GemmDispatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tensor.matmul through each of jgrad's GEMM versions (forced with GemmDispatch) and conv2d
 * through both CUDA paths (implicit GEMM, the default, and -Djgrad.cuda.conv=im2col), against the
 * CPU backend. Skipped without a GPU.
 */
class CudaOwnKernelsTest {
    @AfterEach
    void reset() {
        GemmDispatch.force(null);
        Cuda.setAllowTf32(false);
        System.clearProperty("jgrad.cuda.conv");
    }

    static Device gpu() {
        assumeTrue(Cuda.isAvailable(), "no CUDA device: " + Cuda.unavailableReason());
        return Device.cuda();
    }

    @Test
    void matmulThroughEveryForcedVersionMatchesTheCpu() {
        Device d = gpu();
        Generator g = new Generator(3);
        Tensor a = Tensor.randn(g, 3, 67, 45), b = Tensor.randn(g, 3, 45, 130), b1 = Tensor.randn(g, 45, 130);
        Tensor want = a.matmul(b), wantBroadcast = a.matmul(b1), wantT = a.matmul(b.transpose(1, 2).contiguous().transpose(1, 2));
        for (GemmDispatch.Choice c : GemmDispatch.Choice.values()) {
            GemmDispatch.force(c);
            Cuda.setAllowTf32(c == GemmDispatch.Choice.V5);
            double tol = c == GemmDispatch.Choice.V5 ? 2e-2 : 2e-5;
            CudaBackendTest.close(want, a.to(d).matmul(b.to(d)).cpu(), tol, "matmul " + c);
            CudaBackendTest.close(wantBroadcast, a.to(d).matmul(b1.to(d)).cpu(), tol, "matmul, broadcast b, " + c);
            // a column-major b stays with cuBLAS: still right
            Tensor bt = b.to(d).transpose(1, 2).contiguous().transpose(1, 2);
            CudaBackendTest.close(wantT, a.to(d).matmul(bt).cpu(), tol, "matmul, transposed b, " + c);
        }
    }

    @Test
    void conv2dOnBothCudaPathsMatchesTheCpu() {
        Device d = gpu();
        Generator g = new Generator(4);
        Tensor x = Tensor.randn(g, 4, 8, 13, 11), w = Tensor.randn(g, 12, 8, 3, 3);
        Tensor want = x.conv2d(w, null, 2, 1);
        for (String path : new String[] {"igemm", "im2col"}) {
            System.setProperty("jgrad.cuda.conv", path);
            CudaBackendTest.close(want, x.to(d).conv2d(w.to(d), null, 2, 1).cpu(), 1e-4, "conv2d " + path);
        }
    }
}
