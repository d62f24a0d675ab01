package dev.jgrad.tensor;

import dev.jgrad.tensor.internal.TensorInternals;

/** The tensor package's implementation of {@link TensorInternals.Access}: package-private members of {@link Tensor} and {@link OptimOps}. */
final class InternalAccess implements TensorInternals.Access {

    @Override
    public void accumulateGrad(Tensor leaf, Tensor g) {
        leaf.accumulateGrad(g, false);
    }

    @Override
    public void accumulateTemporaryGrad(Tensor leaf, Tensor g) {
        leaf.accumulateGrad(g, true);
    }

    @Override
    public boolean hasGradHooks(Tensor t) {
        return t.hasGradHooks();
    }

    @Override
    public Tensor applyGradHooks(Tensor t, Tensor g) {
        return t.applyGradHooks(g);
    }

    @Override
    public void setData(Tensor leaf, Tensor source) {
        leaf.setData(source);
    }

    @Override
    public int[] savedVersions(Tensor node) {
        return node.savedVersions();
    }

    @Override
    public void releaseGraph(Tensor node) {
        node.releaseGraph();
    }

    @Override
    public boolean isGraphReleased(Tensor node) {
        return node.isGraphReleased();
    }

    @Override
    public boolean adam(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2, double eps,
                        double weightDecay, boolean decoupled, double bc1, double bc2) {
        return OptimOps.adam(param, grad, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay, decoupled, bc1, bc2);
    }

    @Override
    public boolean sgd(Tensor param, Tensor grad, Tensor momentumBuffer, double lr, double momentum, double dampening, double weightDecay,
                       boolean nesterov, boolean first) {
        return OptimOps.sgd(param, grad, momentumBuffer, lr, momentum, dampening, weightDecay, nesterov, first);
    }

    @Override
    public dev.jgrad.tensor.internal.RecordedKernels record(Runnable body) {
        return Tape.record(body);
    }

    @Override
    public dev.jgrad.tensor.internal.CapturedCudaGraph captureCudaGraph(int device, Runnable warmUp, Runnable body) {
        if (body == null) throw new IllegalArgumentException("captureCudaGraph: the body must not be null");
        CudaSupport.require("captureCudaGraph(" + device + ")");   // before CudaGraphs, which names CUDA classes, is loaded
        int count = CudaViews.deviceCount();
        if (device < 0 || device >= count) {
            throw new IllegalArgumentException("captureCudaGraph: no usable CUDA device cuda:" + device + " (" + count + " usable"
                    + (count == 0 ? ": " + CudaViews.unavailableReason() : "") + ")");
        }
        return CudaGraphs.capture(device, warmUp, body);
    }

    @Override
    public Object storageOf(Tensor t) {
        return t.storage;
    }

    @Override
    public Object hostArray(Tensor t, String op, boolean write) {
        return t.hostArray(op, write);
    }

    @Override
    public TensorInternals.CudaView cudaView(Tensor t, String op, boolean write) {
        return t.cudaView(op, write);
    }

    @Override
    public int cudaDeviceCount() {
        return CudaSupport.present() ? CudaViews.deviceCount() : 0;
    }

    @Override
    public void makeCudaCurrent(int device) {
        CudaSupport.require("makeCudaCurrent(" + device + ")");   // before CudaViews, which names CUDA classes, is loaded
        CudaViews.makeCurrent(device);
    }

    @Override
    public long cudaStream(int device) {
        CudaSupport.require("cudaStream(" + device + ")");   // before CudaViews, which names CUDA classes, is loaded
        return CudaViews.stream(device);
    }

    @Override
    public void cudaSynchronize(int device) {
        CudaSupport.require("cudaSynchronize(" + device + ")");   // before CudaViews, which names CUDA classes, is loaded
        CudaViews.synchronize(device);
    }

    @Override
    public boolean hasPostAccumulateHooks(Tensor t) {
        return t.hasPostAccumulateHooks();
    }

    @Override
    public void runPostAccumulateHooks(Tensor t) {
        t.runPostAccumulateHooks();
    }
}
