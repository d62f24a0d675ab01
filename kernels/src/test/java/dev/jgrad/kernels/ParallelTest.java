package dev.jgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The thread pool's loops: every index exactly once, whatever the threads and chunks; errors reach the caller. */
class ParallelTest {
    private final int threadsBefore = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(threadsBefore);
    }

    @Test
    void rangeLoopsVisitEveryIndexOnce() {
        for (int threads : new int[] {1, 2, 3, 5}) {
            Parallel.setThreads(threads);
            for (int n : new int[] {1, 2, 7, 64, 1000, 100_003}) {
                for (int chunks : new int[] {1, 2, 3, 16, 64}) {
                    if (chunks > n) continue;
                    AtomicIntegerArray seen = new AtomicIntegerArray(n);
                    Parallel.forRangeChunks(n, chunks, Long.MAX_VALUE, (from, to) -> {
                        for (int i = from; i < to; i++) seen.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "threads " + threads + ", n " + n + ", chunks " + chunks + ", index " + i);
                }
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                Parallel.forRange(n, Long.MAX_VALUE, (from, to) -> {
                    for (int i = from; i < to; i++) seen.incrementAndGet(i);
                });
                AtomicIntegerArray seenStatic = new AtomicIntegerArray(n);
                Parallel.forRangeStatic(n, Long.MAX_VALUE, (from, to) -> {
                    for (int i = from; i < to; i++) seenStatic.incrementAndGet(i);
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, seen.get(i), "forRange, threads " + threads + ", n " + n);
                    assertEquals(1, seenStatic.get(i), "forRangeStatic, threads " + threads + ", n " + n);
                }
            }
        }
    }

    @Test
    void chunksAreContiguousAndInOrderOfIndex() {
        Parallel.setThreads(2);
        int n = 1000, chunks = 7;
        int[] from = new int[chunks], to = new int[chunks];
        Parallel.forRangeChunks(n, chunks, Long.MAX_VALUE, (f, t) -> {
            int c = (int) ((long) f * chunks / n);
            while ((long) n * c / chunks != f) c++;   // the chunk whose start is f
            from[c] = f;
            to[c] = t;
        });
        assertEquals(0, from[0]);
        for (int c = 1; c < chunks; c++) assertEquals(to[c - 1], from[c]);
        assertEquals(n, to[chunks - 1]);
    }

    @Test
    void badChunkCountsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> Parallel.forRangeChunks(10, 11, 1, (f, t) -> {}));
        assertTrue(e.getMessage().contains("chunks must be in 1..10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Parallel.forRangeChunks(10, 0, 1, (f, t) -> {}));
        Parallel.forRangeChunks(0, 5, 1, (f, t) -> { throw new AssertionError("an empty range runs nothing"); });
    }

    @Test
    void aTaskFailureReachesTheCallerAfterTheLoop() {
        Parallel.setThreads(2);
        IllegalStateException boom = new IllegalStateException("boom");
        var e = assertThrows(IllegalStateException.class, () -> Parallel.forRangeChunks(100, 10, Long.MAX_VALUE, (f, t) -> {
            if (f >= 50) throw boom;
        }));
        assertSame(boom, e);
    }
}
