package dev.jgrad.cuda.launch;

import dev.jgrad.cuda.ScalarType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The arguments of one kernel launch, packed for cuLaunchKernel: each value is written into an
 * off-heap block and the {@code void**} array points at each one. One instance per thread is
 * reused for every launch, so a launch allocates nothing: build the arguments with
 * {@link #get()} right before the launch, with no other launch in between.
 *
 * <p>Each value also records its {@link Param} kind, which the launch checks against the
 * kernel's signature in the compiled PTX ({@link KernelCatalog}); a mismatch would otherwise be
 * undefined behaviour on the GPU.
 *
 * <pre>{@code
 * // layernorm_fwd_f32(float* out, float* mean, float* rstd, const float* x, const float* w, const float* b, int N, int C, float eps)
 * KernelArgs a = KernelArgs.get().ptr(out).ptr(mean).ptr(rstd).ptr(x).ptr(w).ptr(b).i32(N).i32(C).scalar(ScalarType.F32, 1e-5);
 * CudaKernels.of(Devices.get(0)).launchGridStride("layernorm_fwd_f32", (long) N * 32, a);
 * }</pre>
 */
public final class KernelArgs {
    /**
     * Kinds of kernel parameters and their sizes in bytes (structs carry their own size).
     * {@code PTR} and {@code I64} are what a caller packs; the PTX declares both as one 64-bit
     * integer kind, {@code B64} (it does not tell a pointer from a {@code long long}), which
     * accepts either.
     */
    public enum Param {
        PTR(8), I32(4), I64(8), F32(4), F64(8), B64(8), STRUCT(-1);

        final int bytes;

        Param(int bytes) {
            this.bytes = bytes;
        }

        /** Whether a packed argument of kind {@code arg} fits a parameter of this kind. */
        boolean accepts(Param arg) {
            return this == arg || (this == B64 && (arg == PTR || arg == I64));
        }
    }

    static final int MAX_ARGS = 32;
    static final int DATA_BYTES = 4096;

    private static final ThreadLocal<KernelArgs> LOCAL = ThreadLocal.withInitial(KernelArgs::new);

    private final MemorySegment data;
    private final MemorySegment pointers;
    private final Param[] kinds = new Param[MAX_ARGS];
    private final int[] sizes = new int[MAX_ARGS];
    private int count;
    private long offset;

    private KernelArgs() {
        Arena arena = Arena.ofAuto();
        data = arena.allocate(DATA_BYTES, 16);
        pointers = arena.allocate(ValueLayout.ADDRESS, MAX_ARGS);
    }

    /** This thread's instance, emptied. */
    public static KernelArgs get() {
        KernelArgs a = LOCAL.get();
        a.count = 0;
        a.offset = 0;
        return a;
    }

    /** A fresh instance that is not shared (for tests). */
    static KernelArgs fresh() {
        return new KernelArgs();
    }

    private long slot(Param kind, int bytes, int align) {
        if (count == MAX_ARGS) throw new IllegalStateException("more than " + MAX_ARGS + " kernel arguments");
        offset = (offset + align - 1) / align * align;
        if (offset + bytes > DATA_BYTES) throw new IllegalStateException("kernel arguments exceed " + DATA_BYTES + " bytes");
        long at = offset;
        pointers.setAtIndex(ValueLayout.ADDRESS, count, data.asSlice(at, bytes));
        kinds[count] = kind;
        sizes[count] = bytes;
        count++;
        offset += bytes;
        return at;
    }

    /** A device address (any pointer parameter). */
    public KernelArgs ptr(long address) {
        data.set(ValueLayout.JAVA_LONG, slot(Param.PTR, 8, 8), address);
        return this;
    }

    /** An {@code int} (or {@code unsigned int}). */
    public KernelArgs i32(int v) {
        data.set(ValueLayout.JAVA_INT, slot(Param.I32, 4, 4), v);
        return this;
    }

    /** A {@code long long} (or {@code unsigned long long}). */
    public KernelArgs i64(long v) {
        data.set(ValueLayout.JAVA_LONG, slot(Param.I64, 8, 8), v);
        return this;
    }

    /** A {@code float}. */
    public KernelArgs f32(float v) {
        data.set(ValueLayout.JAVA_FLOAT, slot(Param.F32, 4, 4), v);
        return this;
    }

    /** A {@code double}. */
    public KernelArgs f64(double v) {
        data.set(ValueLayout.JAVA_DOUBLE, slot(Param.F64, 8, 8), v);
        return this;
    }

    /**
     * A scalar of the kernel's element type: float, double, int, long long, or int for bool; a
     * float for the 16-bit floats, which their kernels compute in (and round once on store).
     */
    public KernelArgs scalar(ScalarType t, double v) {
        return switch (t) {
            case F32, F16, BF16 -> f32((float) v);
            case F64 -> f64(v);
            case I32 -> i32((int) v);
            case I64 -> i64((long) v);
            case BOOL -> i32(v != 0 ? 1 : 0);
        };
    }

    /** An {@code Indexer<plan.operands()>} by value. */
    public KernelArgs indexer(Indexing.Plan plan) {
        int bytes = Indexing.structBytes(plan.operands());
        plan.write(data, slot(Param.STRUCT, bytes, 8));
        return this;
    }

    /** A struct of ints by value (ConvGeom, PoolGeom, MatStrides). */
    public KernelArgs ints(int... values) {
        long at = slot(Param.STRUCT, 4 * values.length, 8);
        for (int i = 0; i < values.length; i++) data.set(ValueLayout.JAVA_INT, at + 4L * i, values[i]);
        return this;
    }

    MemorySegment pointerArray() {
        return pointers;
    }

    int count() {
        return count;
    }

    /** The kinds and sizes so far, as "PTR:8" strings, for messages. */
    String describe() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < count; i++) sb.append(i == 0 ? "" : ", ").append(kinds[i]).append(':').append(sizes[i]);
        return sb.append(')').toString();
    }

    /** Throws when the packed arguments do not match {@code sig}, naming the kernel. */
    void check(String kernel, KernelSig sig) {
        boolean ok = count == sig.params.length;
        for (int i = 0; ok && i < count; i++) ok = sig.params[i].accepts(kinds[i]) && sizes[i] == sig.sizes[i];
        if (!ok) {
            throw new IllegalStateException("kernel " + kernel + " takes " + sig + " but was given " + describe());
        }
    }

    /**
     * A kernel's parameters as the PTX declares them: kinds and byte sizes (structs by their
     * size). Built by {@link KernelCatalog}.
     */
    public record KernelSig(Param[] params, int[] sizes) {
        public KernelSig {
            if (params.length != sizes.length) {
                throw new IllegalArgumentException("kernel signature: " + params.length + " kinds, " + sizes.length + " sizes");
            }
            params = params.clone();
            sizes = sizes.clone();
        }

        /** The parameter kinds (a copy). */
        @Override
        public Param[] params() {
            return params.clone();
        }

        /** The parameter sizes in bytes (a copy). */
        @Override
        public int[] sizes() {
            return sizes.clone();
        }

        /** The number of parameters. */
        public int count() {
            return params.length;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("(");
            for (int i = 0; i < params.length; i++) sb.append(i == 0 ? "" : ", ").append(params[i]).append(':').append(sizes[i]);
            return sb.append(')').toString();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof KernelSig k && Arrays.equals(params, k.params) && Arrays.equals(sizes, k.sizes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(sizes) * 31 + Arrays.hashCode(params);
        }
    }
}
