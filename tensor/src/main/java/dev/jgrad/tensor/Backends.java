package dev.jgrad.tensor;

import dev.jgrad.cuda.Cuda;

/** Picks the backend for a device and moves tensors between devices. */
final class Backends {
    private Backends() {}

    static Backend of(Device device) {
        if (device.type() == Device.Type.CPU) return CpuBackend.INSTANCE;
        throw new IllegalStateException("CUDA device " + device + " is not available: " + Cuda.unavailableReason()
                + "; tensors stay on the CPU (Device.best() picks the CPU automatically)");
    }

    /** A contiguous copy of {@code x} on {@code device}. */
    static Tensor transfer(Tensor x, Device device) {
        Backend target = of(device);
        Tensor out = new Tensor(target.allocate(x.dtype(), x.numel()), Layout.contiguous(x.layout.shape.clone()));
        target.copy(x, out);
        return out;
    }
}
