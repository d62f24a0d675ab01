package dev.jgrad.cuda.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.cuda.CudaOutOfMemoryError;
import dev.jgrad.cuda.bindings.DriverExtras;
import org.junit.jupiter.api.Test;

/**
 * The CUDA-graph private pool of the caching allocator, over a fake driver: which blocks a graph
 * owns, when they go back to eager code, and that nothing reaches cuMemFree during a capture. Runs
 * everywhere, no GPU needed.
 */
class GraphPoolTest {
    static final long MiB = 1L << 20;
    static final long STREAM = 7, OTHER = 8;

    @Test
    void blocksAllocatedWhileCapturingStayTheGraphsAfterTheyAreFreed() {
        FakeMemory mem = new FakeMemory(1L << 30);
        CachingAllocator a = new CachingAllocator(mem, null);
        CachingAllocator.GraphPool g = a.beginGraphPool(STREAM);
        DeviceBuffer inGraph = a.allocate(1000, STREAM);
        long graphAddress = inGraph.address();
        a.endGraphCapture(g);
        inGraph.close();                                   // freed after the capture: back to the graph, not to eager code
        DeviceBuffer eager = a.allocate(1000, STREAM);
        assertNotEquals(graphAddress, eager.address(), "an eager request must not get the graph's block");
        assertEquals(1024, g.bytes());
        assertEquals(1, g.blocks());
        eager.close();
        a.closeGraphPool(g);                               // the graph is gone: its block serves anyone on the stream
        assertTrue(g.isClosed());
        DeviceBuffer later = a.allocate(1000, STREAM), later2 = a.allocate(1000, STREAM);
        assertTrue(later.address() == graphAddress || later2.address() == graphAddress, "the closed graph's block is reused");
        assertEquals(2, mem.mallocs);
        assertEquals(0, mem.frees);
        later.close();
        later2.close();
    }

    @Test
    void aBlockFreedDuringTheCaptureIsReusedByTheSameCapture() {
        FakeMemory mem = new FakeMemory(1L << 30);
        CachingAllocator a = new CachingAllocator(mem, null);
        CachingAllocator.GraphPool g = a.beginGraphPool(STREAM);
        DeviceBuffer first = a.allocate(3 * MiB, STREAM);
        long addr = first.address();
        first.close();                                     // an intermediate that died inside the captured step
        DeviceBuffer second = a.allocate(3 * MiB, STREAM); // stream order inside the graph makes reuse safe
        assertEquals(addr, second.address());
        assertEquals(1, mem.mallocs);
        assertEquals(4 * MiB, g.bytes());
        a.endGraphCapture(g);
        second.close();
        a.closeGraphPool(g);
    }

    @Test
    void aCaptureTakesCachedBlocksOfTheStreamBeforeCallingTheDriver() {
        FakeMemory mem = new FakeMemory(1L << 30);
        CachingAllocator a = new CachingAllocator(mem, null);
        DeviceBuffer warmUp = a.allocate(5000, STREAM);   // the eager warm-up's block, cached when it is freed
        long addr = warmUp.address();
        warmUp.close();
        CachingAllocator.GraphPool g = a.beginGraphPool(STREAM);
        DeviceBuffer captured = a.allocate(5000, STREAM);
        assertEquals(addr, captured.address());
        assertEquals(1, mem.mallocs, "no cuMemAlloc while capturing when the cache has the block");
        a.endGraphCapture(g);
        captured.close();
        assertNotEquals(addr, a.allocate(5000, STREAM).address(), "the block is the graph's now");
        a.closeGraphPool(g);
    }

    @Test
    void eagerBlocksFreedDuringTheCaptureAreHeldUntilTheGraphCloses() {
        FakeMemory mem = new FakeMemory(1L << 30);
        CachingAllocator a = new CachingAllocator(mem, null);
        DeviceBuffer before = a.allocate(2048, STREAM);   // made before the capture, read by the captured kernels
        long addr = before.address();
        CachingAllocator.GraphPool g = a.beginGraphPool(STREAM);
        before.close();
        DeviceBuffer inCapture = a.allocate(2048, STREAM);
        assertNotEquals(addr, inCapture.address(), "the graph may read the freed block: the capture must not overwrite it");
        a.endGraphCapture(g);
        assertEquals(2048, g.heldBytes());
        DeviceBuffer eager = a.allocate(2048, STREAM);
        assertNotEquals(addr, eager.address(), "nor may eager code, while the graph lives");
        eager.close();
        inCapture.close();
        a.closeGraphPool(g);
        assertEquals(0, mem.frees);
        DeviceBuffer x = a.allocate(2048, STREAM), y = a.allocate(2048, STREAM), z = a.allocate(2048, STREAM);
        assertEquals(3, mem.mallocs, "after close the held block and the graph's block are cached for the stream");
        x.close();
        y.close();
        z.close();
    }

    @Test
    void otherStreamsAreNotCaptured() {
        FakeMemory mem = new FakeMemory(1L << 30);
        CachingAllocator a = new CachingAllocator(mem, null);
        CachingAllocator.GraphPool g = a.beginGraphPool(STREAM);
        DeviceBuffer other = a.allocate(1000, OTHER);
        long addr = other.address();
        other.close();                                     // another stream's block: its own pool, as without a capture
        assertEquals(addr, a.allocate(1000, OTHER).address());
        assertEquals(0, g.bytes());
        assertEquals(0, g.heldBytes());
        a.closeGraphPool(g);
    }

    @Test
    void nothingReachesTheDriversFreeDuringACapture() {
        FakeMemory mem = new FakeMemory(4 * MiB);
        CachingAllocator a = new CachingAllocator(mem, null);
        a.setGcOnOom(false);
        DeviceBuffer cached = a.allocate(2 * MiB, OTHER);
        cached.close();
        CachingAllocator.GraphPool g = a.beginGraphPool(STREAM);
        a.emptyCache();                                    // cuMemFree waits for the stream: skipped while capturing
        assertEquals(0, mem.frees);
        assertThrows(CudaOutOfMemoryError.class, () -> a.allocate(3 * MiB, STREAM), "no emptying of the cache to rescue a captured request");
        assertEquals(0, mem.frees);
        assertThrows(IllegalStateException.class, () -> a.releaseStream(OTHER));
        a.endGraphCapture(g);
        a.emptyCache();
        assertEquals(1, mem.frees);
        a.closeGraphPool(g);
    }

    @Test
    void onlyOneCapturePerStreamAndClosingTwiceIsHarmless() {
        CachingAllocator a = new CachingAllocator(new FakeMemory(1L << 30), null);
        CachingAllocator.GraphPool g = a.beginGraphPool(STREAM);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.beginGraphPool(STREAM));
        assertTrue(e.getMessage().contains("already being captured"), e.getMessage());
        CachingAllocator.GraphPool h = a.beginGraphPool(OTHER);
        a.closeGraphPool(g);
        a.closeGraphPool(g);
        a.closeGraphPool(h);
        assertFalse(a.beginGraphPool(STREAM).isClosed());
    }

    @Test
    void statisticsCountTheGraphsFreeBlocksAsCached() {
        FakeMemory mem = new FakeMemory(1L << 30);
        CachingAllocator a = new CachingAllocator(mem, null);
        CachingAllocator.GraphPool g = a.beginGraphPool(STREAM);
        DeviceBuffer b = a.allocate(MiB, STREAM);
        a.endGraphCapture(g);
        assertEquals(MiB, a.stats().allocatedBytes());
        b.close();
        assertEquals(0, a.stats().allocatedBytes());
        assertEquals(MiB, a.stats().reservedBytes());
        assertEquals(1, a.stats().cachedBlocks());
        a.closeGraphPool(g);
        assertEquals(1, a.stats().cachedBlocks());
    }

    @Test
    void captureErrorCodesAreThe900s() {
        assertTrue(DriverExtras.isCaptureError(900));
        assertTrue(DriverExtras.isCaptureError(901));
        assertTrue(DriverExtras.isCaptureError(908));
        assertFalse(DriverExtras.isCaptureError(2));
        assertFalse(DriverExtras.isCaptureError(909));
        assertEquals(2, CudaGraph.CAPTURE_MODE, "CU_STREAM_CAPTURE_MODE_RELAXED: the private pool may call cuMemAlloc while capturing");
    }
}
