package dev.jgrad.cuda.runtime;

import dev.jgrad.cuda.CudaException;
import java.util.HashMap;
import java.util.Map;

/** A pretend device with {@code capacity} bytes, for allocator tests that need no GPU. */
class FakeMemory implements RawMemory {
    final long capacity;
    long used;
    long next = 0x7f0000000000L;
    int mallocs, frees;
    final Map<Long, Long> live = new HashMap<>();

    FakeMemory(long capacity) {
        this.capacity = capacity;
    }

    @Override
    public long malloc(long bytes) {
        if (used + bytes > capacity) throw new CudaException("cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory");
        long a = next;
        next += bytes + 4096;
        used += bytes;
        live.put(a, bytes);
        mallocs++;
        return a;
    }

    @Override
    public void free(long address) {
        Long b = live.remove(address);
        if (b == null) throw new IllegalStateException("double free of 0x" + Long.toHexString(address));
        used -= b;
        frees++;
    }

    @Override
    public long[] memInfo() {
        return new long[] {capacity - used, capacity};
    }

    @Override
    public String deviceName() {
        return "fake:0";
    }
}
