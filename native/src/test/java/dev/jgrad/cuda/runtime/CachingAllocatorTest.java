package dev.jgrad.cuda.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.cuda.CudaException;
import dev.jgrad.cuda.CudaOutOfMemoryError;
import dev.jgrad.cuda.MemoryStats;
import org.junit.jupiter.api.Test;

/** The caching allocator's bookkeeping over a fake driver: runs everywhere, no GPU needed. */
class CachingAllocatorTest {
    static final long MiB = 1L << 20;

    @Test
    void roundsSmallRequestsTo512AndLargeTo2MiB() {
        assertEquals(0, CachingAllocator.roundSize(0));
        assertEquals(512, CachingAllocator.roundSize(1));
        assertEquals(512, CachingAllocator.roundSize(512));
        assertEquals(1024, CachingAllocator.roundSize(513));
        assertEquals(MiB, CachingAllocator.roundSize(MiB));
        assertEquals(2 * MiB, CachingAllocator.roundSize(MiB + 1));
        assertEquals(4 * MiB, CachingAllocator.roundSize(2 * MiB + 1));
        assertEquals(100 * MiB, CachingAllocator.roundSize(99 * MiB + 7));
        assertThrows(IllegalArgumentException.class, () -> CachingAllocator.roundSize(-1));
    }

    @Test
    void reusesAFreedBlockOnTheSameStreamOnly() {
        FakeMemory mem = new FakeMemory(1L << 30);
        CachingAllocator a = new CachingAllocator(mem, null);
        DeviceBuffer b1 = a.allocate(1000, 1);
        long addr = b1.address();
        b1.close();
        DeviceBuffer b2 = a.allocate(900, 1);          // same 1024 B class, same stream: reused
        assertEquals(addr, b2.address());
        DeviceBuffer b3 = a.allocate(1000, 2);         // other stream: new block
        assertNotEquals(addr, b3.address());
        assertEquals(2, mem.mallocs);
        MemoryStats s = a.stats();
        assertEquals(3, s.allocations());
        assertEquals(1, s.cacheHits());
        assertEquals(2048, s.allocatedBytes());
        assertEquals(2048, s.reservedBytes());
        assertEquals(1900, s.requestedBytes());
        assertEquals(2, s.activeBlocks());
        b2.close();
        b3.close();
    }

    @Test
    void statisticsTrackAllocatedReservedAndPeaks() {
        FakeMemory mem = new FakeMemory(1L << 30);
        CachingAllocator a = new CachingAllocator(mem, null);
        DeviceBuffer x = a.allocate(3 * MiB, 0), y = a.allocate(5 * MiB, 0);
        assertEquals(4 * MiB + 6 * MiB, a.stats().allocatedBytes());
        x.close();
        MemoryStats s = a.stats();
        assertEquals(6 * MiB, s.allocatedBytes());
        assertEquals(10 * MiB, s.reservedBytes());
        assertEquals(4 * MiB, s.cachedBytes());
        assertEquals(10 * MiB, s.peakAllocatedBytes());
        a.resetPeakStats();
        assertEquals(6 * MiB, a.stats().peakAllocatedBytes());
        a.emptyCache();
        s = a.stats();
        assertEquals(6 * MiB, s.reservedBytes());
        assertEquals(1, s.deviceFrees());
        assertEquals(0, s.cachedBlocks());
        y.close();
        a.emptyCache();
        assertEquals(0, mem.used);
        assertEquals(mem.mallocs, mem.frees);
    }

    @Test
    void largeRequestsTakeACachedBlockAtMostAQuarterBigger() {
        FakeMemory mem = new FakeMemory(1L << 30);
        CachingAllocator a = new CachingAllocator(mem, null);
        a.allocate(10 * MiB, 0).close();
        DeviceBuffer fits = a.allocate(9 * MiB, 0);    // 10 MiB block for a 9 MiB class: within 25%
        assertEquals(10 * MiB, fits.blockSize());
        fits.close();
        DeviceBuffer tooBig = a.allocate(2 * MiB, 0);  // 10 MiB would waste 8 MiB: new block
        assertEquals(2 * MiB, tooBig.blockSize());
        assertEquals(2, mem.mallocs);
    }

    @Test
    void zeroByteBuffersCostNothing() {
        FakeMemory mem = new FakeMemory(1024);
        CachingAllocator a = new CachingAllocator(mem, null);
        try (DeviceBuffer z = a.allocate(0, 0)) {
            assertEquals(0, z.byteSize());
            assertEquals(0, z.address());
        }
        assertEquals(0, mem.mallocs);
        assertEquals(0, a.stats().allocations());
    }

    @Test
    void closeIsIdempotentAndAClosedBufferRefusesUse() {
        CachingAllocator a = new CachingAllocator(new FakeMemory(1L << 20), null);
        DeviceBuffer b = a.allocate(100, 0);
        b.close();
        b.close();
        assertTrue(b.isClosed());
        assertEquals(0, a.stats().activeBlocks());
        assertEquals(1, a.stats().cachedBlocks());
        IllegalStateException e = assertThrows(IllegalStateException.class, b::address);
        assertTrue(e.getMessage().contains("after close()"), e.getMessage());
    }

    @Test
    void outOfMemoryEmptiesTheCacheAndRetries() {
        FakeMemory mem = new FakeMemory(10 * MiB);
        CachingAllocator a = new CachingAllocator(mem, null);
        a.setGcOnOom(false);
        a.allocate(6 * MiB, 0).close();                 // 6 MiB cached
        DeviceBuffer big = a.allocate(8 * MiB, 0);      // needs the cache returned first
        assertEquals(8 * MiB, big.blockSize());
        MemoryStats s = a.stats();
        assertEquals(1, s.oomRetries());
        assertEquals(1, s.deviceFrees());
        assertEquals(0, s.ooms());
        big.close();
    }

    @Test
    void outOfMemoryStatesTheRequestAndTheFreeBytes() {
        FakeMemory mem = new FakeMemory(10 * MiB);
        CachingAllocator a = new CachingAllocator(mem, null);
        a.setGcOnOom(false);
        DeviceBuffer held = a.allocate(6 * MiB, 0);
        CudaOutOfMemoryError e = assertThrows(CudaOutOfMemoryError.class, () -> a.allocate(5 * MiB + 3, 0));
        assertEquals(5 * MiB + 3, e.requestedBytes());
        assertEquals(4 * MiB, e.freeBytes());
        String m = e.getMessage();
        assertTrue(m.startsWith("CUDA out of memory on fake:0: tried to allocate 5.00 MiB (5242883 bytes) (rounded to 6.00 MiB (6291456 bytes))"), m);
        assertTrue(m.contains("the driver reports 4.00 MiB (4194304 bytes) free of 10.00 MiB (10485760 bytes)"), m);
        assertTrue(m.contains("jgrad holds 6.00 MiB (6291456 bytes) in live buffers and 6.00 MiB (6291456 bytes) reserved"), m);
        assertEquals("cuMemAlloc_v2", e.call());
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY", e.errorName());
        assertEquals(1, a.stats().ooms());
        held.close();
    }

    @Test
    void otherDriverErrorsPassThrough() {
        RawMemory broken = new FakeMemory(1L << 20) {
            @Override
            public long malloc(long bytes) {
                throw new CudaException("cuMemAlloc_v2", 201, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context");
            }
        };
        CachingAllocator a = new CachingAllocator(broken, null);
        CudaException e = assertThrows(CudaException.class, () -> a.allocate(10, 0));
        assertEquals(201, e.code());
    }

    @Test
    void theCleanerReturnsForgottenBuffersToThePool() throws InterruptedException {
        FakeMemory mem = new FakeMemory(1L << 30);
        CachingAllocator a = new CachingAllocator(mem, null);
        for (int i = 0; i < 8; i++) a.allocate(4096, 0);   // dropped without close()
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (a.stats().cleanerReleases() < 8 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        MemoryStats s = a.stats();
        assertEquals(8, s.cleanerReleases());
        assertEquals(0, s.allocatedBytes());
        assertEquals(8, s.cachedBlocks());
        assertEquals(8 * 4096, s.reservedBytes());
    }

    @Test
    void outOfMemoryRunsTheCollectorToReclaimUnreachableBuffers() {
        FakeMemory mem = new FakeMemory(64 * MiB);
        CachingAllocator a = new CachingAllocator(mem, null);
        for (int i = 0; i < 30; i++) {
            a.allocate(2 * MiB, 0);                        // never closed; unreachable at once
        }
        // 60 MiB live-but-unreachable; a 40 MiB request succeeds only after the Cleaner ran
        try (DeviceBuffer b = a.allocate(40 * MiB, 0)) {
            assertEquals(40 * MiB, b.blockSize());
        }
        assertTrue(a.stats().cleanerReleases() > 0);
        assertEquals(1, a.stats().gcCollections());
    }

    @Test
    void closedBuffersAreRecoveredWithoutTheCollector() {
        FakeMemory mem = new FakeMemory(64 * MiB);
        CachingAllocator a = new CachingAllocator(mem, null);   // collection on out-of-memory left on: it must not be needed
        for (int round = 0; round < 3; round++) {
            DeviceBuffer[] held = new DeviceBuffer[30];
            for (int i = 0; i < held.length; i++) held[i] = a.allocate(2 * MiB, round);   // a new stream each round: no reuse
            for (DeviceBuffer b : held) b.close();
            // 60 MiB cached on another stream's pool: the request fits only once the cache goes back to the driver
            try (DeviceBuffer b = a.allocate(40 * MiB, 100 + round)) {
                assertEquals(40 * MiB, b.blockSize());
            }
        }
        MemoryStats s = a.stats();
        assertEquals(0, s.gcCollections(), "closed buffers are in the cache: no collection needed " + s);
        assertEquals(0, s.cleanerReleases());
        assertTrue(s.oomRetries() >= 3, "each round needed the cache emptied: " + s);
        assertEquals(0, s.ooms());
    }

    @Test
    void withCollectionOffAnUnclosedBufferIsAnErrorThatSaysHowToFreeMemory() {
        FakeMemory mem = new FakeMemory(16 * MiB);
        CachingAllocator a = new CachingAllocator(mem, null);
        boolean was = CachingAllocator.collectOnOutOfMemory();
        CachingAllocator.setCollectOnOutOfMemory(false);   // the global switch, which this allocator follows
        try {
            DeviceBuffer held = a.allocate(10 * MiB, 0);
            CudaOutOfMemoryError e = assertThrows(CudaOutOfMemoryError.class, () -> a.allocate(10 * MiB, 0));
            String m = e.getMessage();
            assertTrue(m.contains("(its cache was emptied before this error)"), m);
            assertTrue(m.contains("Tensor.close()") && m.contains("Tensor.scope()"), m);
            assertEquals(0, a.stats().gcCollections());
            held.close();
            try (DeviceBuffer b = a.allocate(10 * MiB, 0)) {   // closed: reused at once
                assertEquals(10 * MiB, b.blockSize());
            }
            assertEquals(1, a.stats().cacheHits());
        } finally {
            CachingAllocator.setCollectOnOutOfMemory(was);
        }
    }

    @Test
    void stateOfAStreamIsReleasedWithIt() {
        FakeMemory mem = new FakeMemory(1L << 30);
        CachingAllocator a = new CachingAllocator(mem, null);
        a.allocate(1000, 7).close();
        a.allocate(1000, 8).close();
        a.releaseStream(7);
        assertEquals(1, mem.frees);
        assertEquals(1, a.stats().cachedBlocks());
    }
}
