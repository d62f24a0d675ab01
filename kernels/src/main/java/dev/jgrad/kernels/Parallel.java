package dev.jgrad.kernels;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The one thread pool every multi-threaded kernel uses.
 *
 * <p>It has {@link #threads()} threads in all: the calling thread takes part in every parallel
 * loop, so the pool itself holds {@code threads() − 1} daemon workers. The default is
 * {@link Runtime#availableProcessors()}, or the system property {@code jgrad.threads} when set;
 * {@link #setThreads} changes it at any time (loops already running finish on the old workers).
 *
 * <p>Small problems do not pay for waking threads: a loop whose estimated cost is below
 * {@link #INLINE_WORK} multiply-adds runs inline, and so does a loop started from inside a
 * worker (no nested parallelism, no deadlock).
 *
 * <pre>{@code
 * Parallel.setThreads(2);
 * Parallel.forEach(rows, (long) rows * cols, row -> softmaxRow(row));
 * }</pre>
 */
public final class Parallel {
    /**
     * Below this many estimated multiply-adds (or element operations) a loop runs on the calling
     * thread: a fork and join costs as much as that many float operations (measured in
     * docs/design-notes.md, "The thread pool spins before it parks").
     */
    public static final long INLINE_WORK = 1L << 17;

    private static final AtomicReference<Pool> POOL = new AtomicReference<>(new Pool(defaultThreads()));

    private Parallel() {}

    /** A loop body over a task index. */
    @FunctionalInterface
    public interface Body {
        /**
         * Runs one task.
         *
         * @param task the task's index, from 0
         */
        void run(int task);
    }

    /** A loop body over a half-open range of indices {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        /**
         * Runs the indices {@code [from, to)}.
         *
         * @param from the first index
         * @param to   one past the last index
         */
        void run(int from, int to);
    }

    private static int defaultThreads() {
        int n = Runtime.getRuntime().availableProcessors();
        String prop = System.getProperty("jgrad.threads");
        if (prop != null) {
            try {
                n = Integer.parseInt(prop.trim());
            } catch (NumberFormatException e) {
                System.getLogger(Parallel.class.getName()).log(System.Logger.Level.WARNING,
                        "ignoring jgrad.threads=" + prop + ": not an integer");
            }
        }
        return Math.max(1, n);
    }

    /** {@return number of threads a parallel loop uses, the caller included} */
    public static int threads() {
        return POOL.get().threads;
    }

    /**
     * Sets the number of threads parallel loops use (the caller included); 1 runs everything on
     * the calling thread.
     *
     * @param n the number of threads, at least 1
     * @throws IllegalArgumentException when {@code n < 1}
     */
    public static void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("Parallel.setThreads: need at least 1 thread, got " + n);
        Pool old = POOL.getAndSet(new Pool(n));
        old.shutdown();
    }

    /** Set on a calling thread while it runs tasks of a parallel loop. */
    private static final ThreadLocal<boolean[]> IN_LOOP = ThreadLocal.withInitial(() -> new boolean[1]);

    /**
     * {@return true inside a task of a parallel loop (on a worker, or on the caller while it takes part):
     * loops started there run inline}
     *
     */
    public static boolean inParallel() {
        return Thread.currentThread() instanceof Worker || IN_LOOP.get()[0];
    }

    /**
     * Runs {@code body.run(t)} for every {@code t} in {@code [0, tasks)}, spread over the pool;
     * tasks are handed out dynamically, one at a time. Runs inline when {@code work} (the
     * estimated total cost, in float operations) is below {@link #INLINE_WORK}, when there is one
     * task or one thread, or when called from a worker. The first exception thrown by a task is
     * rethrown here after every started task has finished.
     *
     * @param tasks the number of tasks
     * @param work  the estimated total cost in float operations
     * @param body  the task to run for each index
     */
    public static void forEach(int tasks, long work, Body body) {
        run(tasks, work, false, body);
    }

    /**
     * As {@link #forEach}, but task {@code t} has a home thread, the same at every call with the
     * same number of tasks: the tasks are cut into {@link #threads()} contiguous groups, thread
     * {@code i} (the caller is 0) runs group {@code i} first and then takes what is left of the
     * others. A loop that streams over the same arrays call after call — an elementwise op in a
     * training step, the next op reading what the last one wrote — then finds each part in the
     * cache of the core that touched it last instead of the other core's (measured in
     * docs/design-notes.md, "Range loops keep their threads").
     */
    private static void forEachAtHome(int tasks, long work, Body body) {
        run(tasks, work, true, body);
    }

    /** {@link #forEach} ({@code atHome} false: one queue of tasks) or {@link #forEachAtHome} (one group per thread). */
    private static void run(int tasks, long work, boolean atHome, Body body) {
        if (tasks <= 0) return;
        Pool pool = POOL.get();
        if (tasks == 1 || pool.threads == 1 || work < INLINE_WORK || inParallel()) {
            for (int t = 0; t < tasks; t++) body.run(t);
            return;
        }
        new Job(tasks, atHome ? pool.threads : 1, body).run(pool, Math.min(pool.threads - 1, tasks - 1));
    }

    /**
     * Splits {@code [0, n)} into contiguous chunks, at most a few per thread and none holding
     * less than {@link #INLINE_WORK} work, and runs {@code body.run(from, to)} on each.
     * {@code work} is the estimated total cost of the whole range. Each thread starts on its own
     * contiguous part of the range, the same part at every call of the same size, and then helps
     * with the chunks the others have not started.
     *
     * @param n    the size of the range
     * @param work the estimated total cost in float operations
     * @param body the loop to run on each chunk
     */
    public static void forRange(int n, long work, RangeBody body) {
        if (n <= 0) return;
        int threads = threads();
        int chunks = (int) Math.min(n, Math.min(4L * threads, Math.max(1, work / INLINE_WORK)));
        if (threads == 1 || chunks <= 1 || inParallel()) {
            body.run(0, n);
            return;
        }
        forRangeChunks(n, chunks, work, body);
    }

    /**
     * Splits {@code [0, n)} into {@code chunks} contiguous chunks of (nearly) equal size and runs
     * {@code body.run(from, to)} on each, every thread starting on its own contiguous part (as
     * {@link #forRange}); runs inline for one chunk, one thread, small {@code work} or inside a loop.
     *
     * @param n      the size of the range
     * @param chunks the number of chunks (1 to n)
     * @param work   the estimated total cost in float operations
     * @param body   the loop to run on each chunk
     */
    public static void forRangeChunks(int n, int chunks, long work, RangeBody body) {
        if (n <= 0) return;
        if (chunks < 1 || chunks > n) throw new IllegalArgumentException("Parallel.forRangeChunks: chunks must be in 1.." + n + ", got " + chunks);
        forEachAtHome(chunks, work, c -> body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks)));
    }

    /**
     * Splits {@code [0, n)} into exactly {@code min(n, threads())} equal contiguous chunks.
     *
     * @param n    the size of the range
     * @param work the estimated total cost in float operations (below {@link #INLINE_WORK} runs inline)
     * @param body the loop to run on each chunk
     */
    public static void forRangeStatic(int n, long work, RangeBody body) {
        if (n <= 0) return;
        int chunks = Math.min(n, threads());
        if (chunks <= 1 || work < INLINE_WORK || inParallel()) {
            body.run(0, n);
            return;
        }
        forRangeChunks(n, chunks, work, body);
    }

    /**
     * A pool thread. After each task it polls the queue for {@link #SPIN_NANOS} before blocking:
     * kernels in a training step come back to back, and waking a parked thread costs as much as a
     * small matrix product (measured in docs/design-notes.md, "The thread pool spins before it
     * parks").
     */
    private static final class Worker extends Thread {
        private final LinkedBlockingQueue<Runnable> queue;
        /** This worker's home group in a {@link #forEachAtHome} loop (the caller's is 0). */
        final int slot;

        Worker(LinkedBlockingQueue<Runnable> queue, String name, int slot) {
            super(name);
            this.queue = queue;
            this.slot = slot;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                while (true) {
                    Runnable r = queue.poll();
                    if (r == null) {
                        long until = System.nanoTime() + SPIN_NANOS;
                        while ((r = queue.poll()) == null && System.nanoTime() < until) Thread.onSpinWait();
                        if (r == null) r = queue.take();
                    }
                    if (r == STOP) return;
                    r.run();
                }
            } catch (InterruptedException e) {
                // pool shut down
            }
        }
    }

    /** How long an idle worker polls before it parks. */
    static final long SPIN_NANOS = Long.getLong("jgrad.spinNanos", 50_000);
    private static final Runnable STOP = () -> {};

    private static final class Pool {
        private static final AtomicInteger POOL_IDS = new AtomicInteger();
        final int threads;
        final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
        final Worker[] workers;
        volatile boolean shutDown;

        Pool(int threads) {
            this.threads = threads;
            int id = POOL_IDS.incrementAndGet();
            workers = new Worker[threads - 1];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker(queue, "jgrad-kernels-" + id + "-" + (i + 1), i + 1);
                workers[i].start();
            }
        }

        /** Queues a helper task; false once the pool is shut down. */
        boolean execute(Runnable r) {
            if (shutDown) return false;
            queue.add(r);
            return true;
        }

        void shutdown() {
            shutDown = true;
            for (int i = 0; i < workers.length; i++) queue.add(STOP);
        }
    }

    /**
     * One parallel loop. Helpers that start after the caller has claimed the last task leave
     * without touching anything, so the caller waits only for helpers that are running tasks.
     */
    private static final class Job implements Runnable {
        private static final int CLOSED = 1 << 30;
        /** Ints between two groups' cursors, so that they sit on different cache lines. */
        private static final int PAD = 16;
        private final Body body;
        private final int groups;
        /** Group g holds the tasks [groupStart[g], groupStart[g + 1]). */
        private final int[] groupStart;
        /** Tasks of group g handed out so far, at index g·PAD. */
        private final AtomicIntegerArray taken;
        /** Number of helpers inside {@link #work}, plus {@link #CLOSED} once the caller stops waiting for newcomers. */
        private final AtomicInteger state = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile Thread caller;

        /** {@code groups} 1: every task from one queue; more: thread i starts with group i mod groups. */
        Job(int tasks, int groups, Body body) {
            this.body = body;
            this.groups = groups;
            groupStart = new int[groups + 1];
            for (int g = 0; g <= groups; g++) groupStart[g] = (int) ((long) tasks * g / groups);
            taken = new AtomicIntegerArray(groups * PAD);
        }

        void run(Pool pool, int helpers) {
            caller = Thread.currentThread();
            for (int h = 0; h < helpers; h++) {
                if (!pool.execute(this)) break; // pool shut down by setThreads: the caller does the rest
            }
            boolean[] inLoop = IN_LOOP.get();
            inLoop[0] = true;
            try {
                work(0);
            } finally {
                inLoop[0] = false;
            }
            int s = state.getAndAdd(CLOSED);
            if (s != 0) {
                int spins = 0;
                while (state.get() != CLOSED) {
                    if (++spins < 2000) Thread.onSpinWait();
                    else LockSupport.parkNanos(this, 50_000);
                }
            }
            Throwable t = failure.get();
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error e) throw e;
            if (t != null) throw new RuntimeException(t);
        }

        @Override
        public void run() {
            int s;
            do {
                s = state.get();
                if (s >= CLOSED) return;
            } while (!state.compareAndSet(s, s + 1));
            try {
                work(Thread.currentThread() instanceof Worker w ? w.slot : 0);
            } finally {
                if (state.decrementAndGet() == CLOSED) LockSupport.unpark(caller);
            }
        }

        /** Runs the tasks of this thread's home group, then what is left of the others. */
        private void work(int slot) {
            for (int i = 0; i < groups; i++) {
                int g = (slot + i) % groups, start = groupStart[g], size = groupStart[g + 1] - start;
                for (int t; (t = taken.getAndIncrement(g * PAD)) < size; ) {
                    if (failure.get() != null) continue;
                    try {
                        body.run(start + t);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }
            }
        }
    }
}
