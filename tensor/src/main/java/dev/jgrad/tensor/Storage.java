package dev.jgrad.tensor;

/**
 * A flat block of elements of one dtype on one device. Tensors view it through a {@link Layout};
 * several tensors may share one storage.
 *
 * <p>It carries the <em>version counter</em> of its elements: every in-place write to a tensor
 * over this storage ({@code copyFrom}, {@code fill}, the optimizers' fused updates, …) bumps it,
 * so all views of the storage see the change. A graph node records the versions of the tensors
 * its derivative rule reads, and the backward pass refuses to run the rule when one has moved
 * (see {@link Op#savedTensors}). Kernels writing the fresh outputs of an op do not count: no node
 * can have read those yet.
 */
sealed abstract class Storage permits CpuStorage, CudaStorage {
    /** In-place writes so far; plain int: tensors are not thread-safe while being written. */
    private int version;

    abstract DType dtype();

    abstract Device device();

    /** Number of elements. */
    abstract int length();

    /** The backend whose kernels operate on this storage. */
    abstract Backend backend();

    /** How many in-place writes these elements have had. */
    final int version() {
        return version;
    }

    /** Records one in-place write. */
    final void bumpVersion() {
        version++;
    }

    /**
     * Moves the counter past {@code other}'s: a leaf re-homed from {@code other} onto this storage
     * then has a version no node recorded for it on either storage.
     */
    final void bumpPast(Storage other) {
        version = Math.max(version, other.version) + 1;
    }
}
