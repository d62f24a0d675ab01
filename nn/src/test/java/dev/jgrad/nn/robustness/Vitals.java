package dev.jgrad.nn.robustness;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;

/**
 * What a long-running process watches: heap in use after a full collection, direct and mapped
 * buffer memory, live threads and live data-loader threads.
 */
record Vitals(long heapUsed, long directBytes, long mappedBytes, int fileMappings, int threads, int loaderThreads) {

    /** Collects garbage (until a sentinel object is cleared, twice), lets cleaners run, then measures. */
    static Vitals measure() {
        fullGc();
        long direct = 0, mapped = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) direct = pool.getMemoryUsed();
            if (pool.getName().startsWith("mapped")) mapped += pool.getMemoryUsed();
        }
        return new Vitals(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), direct, mapped, countFileMappings(),
                ManagementFactory.getThreadMXBean().getThreadCount(), countLoaderThreads());
    }

    /**
     * Memory mappings of .safetensors files, from /proc/self/maps on Linux (-1 elsewhere): the
     * reader maps files through FFM, which the "mapped" buffer pool does not count.
     */
    static int countFileMappings() {
        java.nio.file.Path maps = java.nio.file.Path.of("/proc/self/maps");
        if (!java.nio.file.Files.isReadable(maps)) return -1;
        try (var lines = java.nio.file.Files.lines(maps)) {
            return (int) lines.filter(l -> l.endsWith(".safetensors")).count();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return -1;
        }
    }

    /** Live "jgrad-dataloader" producer threads. */
    static int countLoaderThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("jgrad-dataloader") && t.isAlive()).count();
    }

    static void fullGc() {
        for (int round = 0; round < 2; round++) {
            WeakReference<Object> sentinel = new WeakReference<>(new Object());
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (sentinel.get() != null && System.nanoTime() < deadline) System.gc();
            try {
                Thread.sleep(20);   // cleaners (the data loader's, the JDK's) run on their own threads
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits (collecting garbage) until {@code ref} is cleared or the timeout passes; whether it was cleared. */
    static boolean cleared(WeakReference<?> ref, long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (ref.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.onSpinWait();
        }
        return ref.get() == null;
    }

    @Override
    public String toString() {
        return String.format("heap %d KiB, direct %d B, mapped %d B, mapped files %d, threads %d (loader %d)", heapUsed >> 10, directBytes,
                mappedBytes, fileMappings, threads, loaderThreads);
    }
}
