package smoke;

import dev.jgrad.cuda.Cuda;

/** GptBench, then the caching allocator's counters (cuMemAlloc/cuMemFree calls, Cleaner releases, OOM retries). */
public final class GptWithStats {
    public static void main(String[] args) {
        dev.jgrad.bench.GptBench.main(args);
        if (Cuda.isAvailable()) System.out.println("# " + Cuda.memoryStats(0));
    }
}
