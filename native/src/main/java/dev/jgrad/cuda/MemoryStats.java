package dev.jgrad.cuda;

/**
 * A snapshot of one device's caching allocator, in bytes and counts (as PyTorch's
 * {@code torch.cuda.memory_stats}).
 *
 * <pre>{@code
 * MemoryStats s = Cuda.memoryStats(0);
 * System.out.println(s.allocatedBytes() + " in use, " + s.reservedBytes() + " reserved");
 * }</pre>
 *
 * @param allocatedBytes      bytes in live buffers (rounded sizes)
 * @param reservedBytes       bytes obtained from the driver: live plus cached
 * @param peakAllocatedBytes  highest {@code allocatedBytes} since the last {@code resetPeakStats}
 * @param peakReservedBytes   highest {@code reservedBytes} since the last {@code resetPeakStats}
 * @param requestedBytes      bytes the live buffers asked for (before rounding)
 * @param allocations         buffers handed out so far
 * @param cacheHits           of those, how many reused a cached block
 * @param deviceMallocs       cuMemAlloc calls made
 * @param deviceFrees         cuMemFree calls made
 * @param activeBlocks        live buffers
 * @param cachedBlocks        blocks waiting in the pools
 * @param cleanerReleases     buffers returned by the garbage collector's Cleaner rather than close()
 * @param oomRetries          allocations that first failed and were retried after emptying the cache
 * @param ooms                allocations that failed for good
 * @param gcCollections       times an allocation ran the garbage collector to find unreachable
 *                            buffers, after emptying the cache was not enough (0 in code that
 *                            closes its tensors or runs its steps in {@code Tensor.scope()})
 */
public record MemoryStats(long allocatedBytes, long reservedBytes, long peakAllocatedBytes, long peakReservedBytes,
                          long requestedBytes, long allocations, long cacheHits, long deviceMallocs, long deviceFrees,
                          long activeBlocks, long cachedBlocks, long cleanerReleases, long oomRetries, long ooms,
                          long gcCollections) {

    /** {@return bytes held in the pools, ready for reuse} */
    public long cachedBytes() {
        return reservedBytes - allocatedBytes;
    }
}
