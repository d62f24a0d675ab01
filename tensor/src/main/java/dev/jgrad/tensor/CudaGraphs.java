package dev.jgrad.tensor;

import dev.jgrad.cuda.CudaException;
import dev.jgrad.cuda.launch.Blas;
import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.CudaGraph;
import dev.jgrad.cuda.runtime.Devices;
import dev.jgrad.tensor.internal.CapturedCudaGraph;

/**
 * Captures jgrad's CUDA work into CUDA graphs (see {@code TensorInternals.captureCudaGraph}): the
 * one class behind {@link InternalAccess} that names the CUDA graph classes, loaded only once the
 * CUDA module was found present. What the capture refuses comes from two places: jgrad's hooks
 * ({@link CudaCaptureState}: host transfers, host random draws) and the CUDA runtime and driver
 * (synchronisations, code {@code CUDA_ERROR_STREAM_CAPTURE_*}); both become the graph's broken reason.
 */
final class CudaGraphs {
    private CudaGraphs() {}

    static CapturedCudaGraph capture(int index, Runnable warmUp, Runnable body) {
        if (body == null) throw new IllegalArgumentException("captureCudaGraph: the body must not be null");
        CudaDevice gpu = Devices.get(index);
        if (!CudaGraph.supported(gpu)) {
            return new Broken(index, "the CUDA driver of cuda:" + index + " has no graph entry points (CUDA 11.4 or later has them)");
        }
        fixCublasWorkspace(gpu);
        if (warmUp != null) warmUp.run();
        CudaCaptureState.begin();
        try {
            return new Captured(index, CudaGraph.capture(gpu.stream(), body));
        } catch (CudaCaptureState.Refused r) {
            return new Broken(index, r.getMessage());
        } catch (CudaException e) {
            if (!isCaptureError(e)) throw e;
            return new Broken(index, "a call was refused while capturing the CUDA graph (" + e.getMessage() + ")");
        } finally {
            CudaCaptureState.end();
        }
    }

    /** cuBLAS gets its workspace before the warm-up, so that the warm-up, the capture and later eager GEMMs share it (see Blas.useFixedWorkspace). */
    private static void fixCublasWorkspace(CudaDevice gpu) {
        Blas blas;
        try {
            blas = Blas.of(gpu);
        } catch (CudaException e) {
            return;   // no cuBLAS on this machine: no GEMM can be captured through it either
        }
        blas.useFixedWorkspace();
    }

    /** A refusal by the driver or by jgrad's runtime check, possibly reported as suppressed by the end of the capture. */
    private static boolean isCaptureError(CudaException e) {
        if (CudaGraph.isCaptureError(e.code())) return true;
        for (Throwable s : e.getSuppressed()) {
            if (s instanceof CudaException c && CudaGraph.isCaptureError(c.code())) return true;
        }
        return false;
    }

    /** A graph that was captured. */
    private record Captured(int device, CudaGraph graph) implements CapturedCudaGraph {
        @Override
        public String brokenReason() {
            return null;
        }

        @Override
        public void launch() {
            graph.launch();
        }

        @Override
        public long poolBytes() {
            return graph.poolBytes();
        }

        @Override
        public void close() {
            graph.close();
        }
    }

    /** A body that could not be captured, and why. */
    private record Broken(int device, String brokenReason) implements CapturedCudaGraph {
        @Override
        public void launch() {
            throw new IllegalStateException("capture: this CUDA graph was not captured: " + brokenReason);
        }

        @Override
        public long poolBytes() {
            return 0;
        }

        @Override
        public void close() {}
    }
}
