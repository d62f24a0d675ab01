package dev.jgrad.dist;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import java.util.Arrays;

/** The checks every communicator makes on this rank before any communication. */
abstract class BaseCommunicator implements Communicator {
    /** Set by close(). */
    volatile boolean closed;
    /** Why the ranks are out of step, once they are; null while usable. */
    volatile String broken;

    @Override
    public boolean isClosed() {
        return closed;
    }

    void usable(String op) {
        if (closed) throw new IllegalStateException(op + ": the communicator is closed");
        String b = broken;
        if (b != null) throw new IllegalStateException(op + ": the communicator is unusable after an earlier failure: " + b);
    }

    /** Checks that {@code t} is an open, contiguous tensor on this communicator's {@link #device()}. */
    void checkTensor(String op, Tensor t) {
        if (t == null) throw new IllegalArgumentException(op + ": the tensor is null");
        if (t.isClosed()) throw new IllegalArgumentException(op + ": the tensor was closed");
        Device want = device();
        if (!t.device().equals(want)) {
            if (want.type() == Device.Type.CPU) {
                throw new IllegalArgumentException(op + ": expects a CPU tensor, got one on " + t.device()
                        + " (GPU tensors need a CUDA communicator, Communicator.cuda(comm); or use .to(Device.CPU))");
            }
            throw new IllegalArgumentException(op + ": expects a CUDA tensor on " + want + " (this communicator's device), got one on "
                    + t.device() + (t.device().type() == Device.Type.CPU ? " (move it with .to(comm.device()); CPU tensors go through "
                    + "the MPI communicator)" : " (one rank per GPU: move it with .to(comm.device()))"));
        }
        if (!t.isContiguous()) {
            throw new IllegalArgumentException(op + ": expects a contiguous tensor, got shape " + Arrays.toString(t.shape()) + " with strides "
                    + Arrays.toString(t.strides()) + " (call .contiguous() first)");
        }
    }

    void checkReducible(String op, Tensor t, ReduceOp rop) {
        checkTensor(op, t);
        if (rop == null) throw new IllegalArgumentException(op + ": the reduce op is null");
        DType d = t.dtype();
        if (d == DType.BOOL) throw new IllegalArgumentException(op + ": cannot reduce a bool tensor (convert it to int32 first)");
        if (rop == ReduceOp.AVG && (d == DType.INT32 || d == DType.INT64)) {
            throw new IllegalArgumentException(op + ": AVG needs a floating-point tensor, got " + d + " (use SUM and divide, or convert)");
        }
    }

    void checkRoot(String op, int root) {
        if (root < 0 || root >= size()) {
            throw new IllegalArgumentException(op + ": root must be a rank from 0 to " + (size() - 1) + ", got " + root);
        }
    }

    /** The shape allGather returns for a tensor of {@code shape}. */
    static int[] gatheredShape(int[] shape, int size) {
        if (shape.length == 0) return new int[] {size};
        int[] s = shape.clone();
        s[0] = Math.multiplyExact(s[0], size);
        return s;
    }
}
