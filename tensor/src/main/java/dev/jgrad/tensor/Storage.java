package dev.jgrad.tensor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

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
 *
 * <p>It also counts the open tensors that hold it ({@link #acquire}, {@link #release}): the
 * tensor that allocated it and every view made of it, until each is closed. When the last one is
 * closed the elements are freed at once ({@link #releaseMemory}: device memory back to the caching
 * allocator, a heap array jgrad allocated to the {@link HeapArrayPool}); tensors never closed keep it until the garbage
 * collector finds them all unreachable, as before explicit lifetimes existed (see docs/memory.md).
 */
sealed abstract class Storage permits CpuStorage, CudaStorage {
    /** In-place writes so far; plain int: tensors are not thread-safe while being written. */
    private int version;
    /**
     * Open tensors holding these elements. Changed atomically: views of one tensor (a shared
     * parameter, say) may be made and closed on several threads at once, which counts as reading it.
     */
    @SuppressWarnings("unused")   // through REFS
    private int refs;
    /** Set once, when the last holder closed; read by every op's check of its operands. */
    private boolean freed;
    /** Whether {@link #OPEN} counted this storage (counting had started when it was made). */
    private boolean counted;

    private static final VarHandle REFS;

    static {
        try {
            REFS = MethodHandles.lookup().findVarHandle(Storage.class, "refs", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Storages (and their bytes) per device type allocated and not yet freed by close:
     * {@link TensorScope#openStorages}. Counting starts at the first reading, so that code that
     * never asks does not pay two atomic additions per op result.
     */
    private static final LongAdder[] OPEN = {new LongAdder(), new LongAdder()};
    private static final LongAdder[] OPEN_BYTES = {new LongAdder(), new LongAdder()};
    private static volatile boolean counting;

    /** Counts this new storage once counting has started (each subclass constructor calls it once, after its fields are set). */
    final void countOpened() {
        if (!counting) return;
        counted = true;
        OPEN[device().type().ordinal()].increment();
        OPEN_BYTES[device().type().ordinal()].add(byteSize());
    }

    static long openCount(Device.Type type) {
        counting = true;
        return OPEN[type.ordinal()].sum();
    }

    static long openBytes(Device.Type type) {
        counting = true;
        return OPEN_BYTES[type.ordinal()].sum();
    }

    abstract DType dtype();

    abstract Device device();

    /** Number of elements. */
    abstract int length();

    /** The backend whose kernels operate on this storage. */
    abstract Backend backend();

    /** Bytes the elements occupy (as counted by {@link #opened}). */
    final long byteSize() {
        return (long) length() * dtype().byteSize();
    }

    /** Gives the elements back: device memory to its allocator's pool at once, a heap array to the heap pool (or the collector). Called once. */
    abstract void releaseMemory();

    /** One more open tensor holds these elements. */
    final void acquire() {
        REFS.getAndAdd(this, 1);
    }

    /**
     * The first holder of a storage just allocated, which no other thread can see yet: a plain
     * write instead of an atomic add (every op result is one).
     */
    final void acquireFresh() {
        if ((int) REFS.get(this) == 0) REFS.set(this, 1);
        else acquire();
    }

    /** {@return whether exactly one open tensor holds these elements} */
    final boolean soleHolder() {
        return (int) REFS.getVolatile(this) == 1;
    }

    /** One holder closed; the last one frees the elements. */
    final void release() {
        if ((int) REFS.getAndAdd(this, -1) == 1) {
            freed = true;
            if (counted) {
                OPEN[device().type().ordinal()].decrement();
                OPEN_BYTES[device().type().ordinal()].add(-byteSize());
            }
            releaseMemory();
        }
    }

    /** Drops one holder only when another remains (never frees); returns whether it did. */
    final boolean releaseShared() {
        for (int r = (int) REFS.getVolatile(this); r > 1; r = (int) REFS.getVolatile(this)) {
            if (REFS.compareAndSet(this, r, r - 1)) return true;
        }
        return false;
    }

    /** Whether the last holder has closed and the elements are gone. */
    final boolean isFreed() {
        return freed;
    }

    /** What using freed elements throws, for paths that reach the elements without an op's own check. */
    final IllegalStateException freedError() {
        return new IllegalStateException("a " + dtype() + " storage of " + length() + " elements on " + device() + " was used after it was "
                + "freed: every tensor over it had been closed (by Tensor.close() or at the end of the Tensor.scope() that made it)");
    }

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
