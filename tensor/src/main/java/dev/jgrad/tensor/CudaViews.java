package dev.jgrad.tensor;

import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.Devices;
import dev.jgrad.tensor.internal.TensorInternals;

/**
 * CUDA tensors as native code sees them (see {@link TensorInternals#cudaView}): the one class
 * behind {@link InternalAccess} that names CUDA runtime classes, loaded only once a CUDA tensor
 * exists or the CUDA module was found present (the callers check {@link CudaSupport} first).
 */
final class CudaViews {
    private CudaViews() {}

    /** The device address of {@code t}'s first element, its device ordinal and its device's stream. */
    static TensorInternals.CudaView of(Tensor t) {
        CudaStorage s = (CudaStorage) t.storage;
        CudaDevice gpu = Devices.get(s.device().index());
        return new TensorInternals.CudaView(s.device().index(), s.address(t.layout.offset), gpu.stream().handle());
    }

    /** The number of usable CUDA devices: 0 without the CUDA module or a GPU. */
    static int deviceCount() {
        return CudaSupport.gpuAvailable() ? Devices.count() : 0;
    }

    /** Why no CUDA device is usable (empty when one is). */
    static String unavailableReason() {
        return dev.jgrad.cuda.Cuda.unavailableReason();
    }

    /** Makes jgrad's context of device {@code index} current on the calling thread. */
    static void makeCurrent(int index) {
        Devices.get(index).makeCurrent();
    }

    /** The stream every jgrad op on device {@code index} runs on (a CUstream). */
    static long stream(int index) {
        return Devices.get(index).stream().handle();
    }

    /** Waits until the work queued on device {@code index}'s stream has run. */
    static void synchronize(int index) {
        Devices.get(index).stream().synchronize();
    }
}
