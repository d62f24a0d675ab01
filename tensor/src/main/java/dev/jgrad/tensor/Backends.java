package dev.jgrad.tensor;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.kernels.Buf;
import java.lang.foreign.MemorySegment;

/** Picks the backend for a device and moves tensors between devices. */
final class Backends {
    private Backends() {}

    static Backend of(Device device) {
        if (device.type() == Device.Type.CPU) return CpuBackend.INSTANCE;
        CudaSupport.require("device " + device);
        return cuda(device);
    }

    /** Only reached with the CUDA module present, so that no CUDA class is linked on a CPU-only path. */
    private static Backend cuda(Device device) {
        if (!Cuda.isAvailable()) {
            throw new IllegalStateException("CUDA device " + device + " is not available: " + Cuda.unavailableReason()
                    + "; tensors stay on the CPU (Device.best() picks the CPU automatically)");
        }
        if (device.index() >= Cuda.deviceCount()) {
            throw new IllegalStateException("CUDA device " + device + " does not exist: " + Cuda.deviceCount() + " CUDA device(s) present");
        }
        return CudaBackend.of(device.index());
    }

    /** A contiguous copy of {@code x} on {@code device}. */
    static Tensor transfer(Tensor x, Device device) {
        x.checkUsable("to");
        Device from = x.device();
        if (from.type() == Device.Type.CPU && device.type() == Device.Type.CPU) {
            Backend target = of(device);
            Tensor out = new Tensor(target.allocate(x.dtype(), x.numel()), Layout.contiguous(x.layout.shape.clone()));
            target.copy(x, out);
            return out;
        }
        if (from.type() == Device.Type.CUDA && device.type() == Device.Type.CUDA) return betweenGpus(x, (CudaBackend) of(device));
        if (device.type() == Device.Type.CUDA) return upload(x, (CudaBackend) of(device));
        return download(x);
    }

    /**
     * CUDA → CUDA without the host: made contiguous on its own device first (when x is a view),
     * then copied device to device, ordered after the work queued on the source's stream.
     */
    private static Tensor betweenGpus(Tensor x, CudaBackend target) {
        Tensor dense = denseOnDevice(x);
        int n = x.numel();
        CudaStorage storage = target.uninitialized(x.dtype(), n);
        long bytes = (long) n * x.dtype().byteSize();
        if (bytes > 0) storage.buffer().copyFromPeer(((CudaStorage) dense.storage).buffer(), 0, 0, bytes);
        java.lang.ref.Reference.reachabilityFence(dense);
        if (dense != x) dense.close();   // the copy is ordered after the source's queued work and before its reuse
        return new Tensor(storage, Layout.contiguous(x.layout.shape.clone()));
    }

    /** CPU → CUDA: a dense host copy (when x is a view) goes through pinned staging into fresh device memory. */
    private static Tensor upload(Tensor x, CudaBackend target) {
        CudaCaptureState.hostTransfer(true);
        Tensor host = denseOnHost(x);
        int n = x.numel();
        CudaStorage storage = target.uninitialized(x.dtype(), n);
        long bytes = (long) n * x.dtype().byteSize();
        if (bytes > 0) storage.buffer().copyFromHost(hostSegment(((CpuStorage) host.storage).buf()), 0, 0, bytes);
        if (host != x) host.close();
        return new Tensor(storage, Layout.contiguous(x.layout.shape.clone()));
    }

    /** CUDA → CPU: made contiguous on the device first (when x is a view), then copied through pinned staging. */
    private static Tensor download(Tensor x) {
        CudaCaptureState.hostTransfer(false);
        int n = x.numel();
        Tensor dense = denseOnDevice(x);
        CpuStorage out = CpuStorage.allocate(x.dtype(), n);
        long bytes = (long) n * x.dtype().byteSize();
        if (bytes > 0) {
            CudaStorage s = (CudaStorage) dense.storage;
            if (out.buf() instanceof Buf.Bool b) {
                byte[] raw = new byte[n];
                s.buffer().copyToHost(0, MemorySegment.ofArray(raw), 0, bytes);
                for (int i = 0; i < n; i++) b.data()[i] = raw[i] != 0;
            } else {
                s.buffer().copyToHost(0, hostSegment(out.buf()), 0, bytes);
            }
        }
        java.lang.ref.Reference.reachabilityFence(dense);
        if (dense != x) dense.close();   // copyToHost has waited for the device: the temporary is free
        return new Tensor(out, Layout.contiguous(x.layout.shape.clone()));
    }

    /** x itself when it is a whole contiguous CUDA storage, else a contiguous copy on its device. */
    private static Tensor denseOnDevice(Tensor x) {
        if (x.layout.isContiguous() && x.layout.offset == 0 && x.storage.length() == x.numel()) return x;
        CudaBackend source = (CudaBackend) x.storage.backend();
        Tensor dense = new Tensor(source.uninitialized(x.dtype(), x.numel()), Layout.contiguous(x.layout.shape.clone()));
        source.copy(x, dense);
        return dense;
    }

    /** x itself when it is a whole contiguous CPU storage, else a contiguous CPU copy. */
    private static Tensor denseOnHost(Tensor x) {
        if (x.layout.isContiguous() && x.layout.offset == 0 && x.storage.length() == x.numel()) return x;
        Tensor out = new Tensor(CpuBackend.INSTANCE.allocate(x.dtype(), x.numel()), Layout.contiguous(x.layout.shape.clone()));
        CpuBackend.INSTANCE.copy(x, out);
        return out;
    }

    /** The heap array of a CPU buffer as a segment (booleans become a byte[] copy of 0/1). */
    private static MemorySegment hostSegment(Buf buf) {
        return switch (buf) {
            case Buf.F32 f -> MemorySegment.ofArray(f.data());
            case Buf.F64 d -> MemorySegment.ofArray(d.data());
            case Buf.I64 l -> MemorySegment.ofArray(l.data());
            case Buf.I32 i -> MemorySegment.ofArray(i.data());
            case Buf.F16 h -> MemorySegment.ofArray(h.data());
            case Buf.BF16 h -> MemorySegment.ofArray(h.data());
            case Buf.Bool b -> {
                byte[] raw = new byte[b.data().length];
                for (int i = 0; i < raw.length; i++) raw[i] = (byte) (b.data()[i] ? 1 : 0);
                yield MemorySegment.ofArray(raw);
            }
        };
    }
}
