package dev.jgrad.nn.data;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.TensorScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.UnaryOperator;

/**
 * Batches a dataset: an optional shuffle from a seeded generator (a new order every epoch,
 * the same sequence of orders for the same seed), an optional drop of the last incomplete
 * batch, and a background thread that prepares up to {@code prefetch} batches ahead.
 *
 * <p>A loader runs one epoch at a time. Starting the next epoch ({@link #iterator()}) while the
 * previous one is unfinished (the loop broke out early) ends the previous one first: its
 * background thread is stopped and waited for, and the random draws it made for batches that
 * were never taken are undone, so the generators stand where a loader without prefetch would
 * leave them and the next epoch does not depend on thread timing. The abandoned iterator then
 * throws {@link IllegalStateException}. {@link #stateDict()} ends an unfinished epoch the same way.
 *
 * <pre>{@code
 * DataLoader loader = new DataLoader(train, 64, true, 42).dropLast(true);
 * for (int epoch = 0; epoch < 5; epoch++)
 *     for (Batch b : loader) step(b);
 * }</pre>
 */
public final class DataLoader implements Iterable<Batch> {
    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final Generator generator;
    private boolean dropLast;
    private int prefetch = 2;
    private final List<UnaryOperator<Batch>> transforms = new ArrayList<>();
    private Production running;   // the latest epoch built in the background, until it is settled

    /**
     * A loader; {@code seed} drives the shuffle.
     *
     * @param dataset   the examples
     * @param batchSize examples per batch
     * @param shuffle   draw a new order every epoch
     * @param seed      the seed of the shuffle
     */
    public DataLoader(Dataset dataset, int batchSize, boolean shuffle, long seed) {
        if (dataset == null) throw new IllegalArgumentException("DataLoader: the dataset is null");
        if (batchSize < 1) throw new IllegalArgumentException("DataLoader: batch size must be >= 1, got " + batchSize);
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.generator = new Generator(seed);
    }

    /**
     * Whether to skip a final batch smaller than the batch size; returns this.
     *
     * @param drop true to skip a short final batch
     * @return this loader
     */
    public DataLoader dropLast(boolean drop) {
        this.dropLast = drop;
        return this;
    }

    /**
     * How many batches the background thread prepares ahead (0: none, batches are built on the caller's
     * thread); returns this.
     *
     * @param batches how many batches to prepare ahead
     * @return this loader
     */
    public DataLoader prefetch(int batches) {
        if (batches < 0) throw new IllegalArgumentException("DataLoader: prefetch must be >= 0, got " + batches);
        this.prefetch = batches;
        return this;
    }

    /**
     * Applies {@code transform} to every batch as it is built (on the prefetch thread), such as
     * the random augmentations of {@link Augment}; transforms chain in the order added. A transform
     * that draws random numbers should be a {@link RandomTransform}, so that checkpoints save its
     * generator. Returns this.
     *
     * @param transform the function applied to each batch
     * @return this loader
     */
    public DataLoader map(UnaryOperator<Batch> transform) {
        if (transform == null) throw new IllegalArgumentException("DataLoader.map: transform is null");
        transforms.add(transform);
        return this;
    }

    /** {@return batches per epoch} */
    public int batchesPerEpoch() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** {@return number of examples in the dataset} */
    public int datasetSize() {
        return dataset.size();
    }

    /** One epoch; each call draws a new shuffle order, after ending the previous epoch if it is unfinished. */
    @Override
    public synchronized Iterator<Batch> iterator() {
        settle();
        int[] order = order();
        List<int[]> chunks = new ArrayList<>();
        for (int at = 0; at < order.length; at += batchSize) {
            int end = Math.min(at + batchSize, order.length);
            if (end - at < batchSize && dropLast) break;
            chunks.add(Arrays.copyOfRange(order, at, end));
        }
        if (prefetch == 0) return chunks.stream().map(this::collate).iterator();
        Prefetcher p = new Prefetcher(chunks, randomGenerators());
        running = p.production;
        return p;
    }

    /**
     * The loader's random state, for a checkpoint: {@code "generator"} (the shuffle's) and
     * {@code "map.<i>.generator"} for each {@link RandomTransform} among the transforms (i counts
     * every {@link #map} call from 0), each an int64 tensor of {@link Generator#getState()}. An
     * unfinished epoch is ended first (see the class comment), so save between epochs.
     *
     * <pre>{@code
     * Map<String, Tensor> saved = loader.stateDict();
     * other.loadStateDict(saved);   // same pipeline: the same orders and augmentations from here on
     * }</pre>
     *
     * @return the generators' states by key
     */
    public synchronized Map<String, Tensor> stateDict() {
        settle();
        Map<String, Tensor> out = new LinkedHashMap<>();
        generators().forEach((k, g) -> out.put(k, Tensor.of(g.getState(), 2)));
        return out;
    }

    /**
     * Restores what {@link #stateDict()} saved from a loader with the same random transforms at
     * the same places; checks everything before changing anything.
     *
     * @param state a state from {@link #stateDict()}
     * @throws IllegalArgumentException naming the keys when they differ, or the key of a value that is not 2 int64s
     */
    public synchronized void loadStateDict(Map<String, Tensor> state) {
        if (state == null) throw new IllegalArgumentException("DataLoader.loadStateDict: state is null");
        settle();
        Map<String, Generator> own = generators();
        if (!own.keySet().equals(state.keySet())) {
            throw new IllegalArgumentException("DataLoader.loadStateDict: the saved loader has random state " + new TreeSet<>(state.keySet())
                    + ", this one " + new TreeSet<>(own.keySet()) + " (the random transforms given to map() differ)");
        }
        Map<String, long[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            Tensor t = e.getValue();
            if (t == null || t.dtype() != DType.INT64 || !Arrays.equals(t.shape(), new int[] {2})) {
                throw new IllegalArgumentException("DataLoader.loadStateDict: \"" + e.getKey() + "\" must be an int64 tensor of shape [2], got "
                        + (t == null ? "null" : t.dtype() + " " + Arrays.toString(t.shape())));
            }
            long[] v = t.toLongArray();
            new Generator(0).setState(v);   // validates the value before any generator changes
            values.put(e.getKey(), v);
        }
        values.forEach((k, v) -> own.get(k).setState(v));
    }

    private Map<String, Generator> generators() {
        Map<String, Generator> out = new LinkedHashMap<>();
        out.put("generator", generator);
        for (int i = 0; i < transforms.size(); i++) {
            if (transforms.get(i) instanceof RandomTransform r) out.put("map." + i + ".generator", r.generator());
        }
        return out;
    }

    private List<Generator> randomGenerators() {
        List<Generator> out = new ArrayList<>();
        for (UnaryOperator<Batch> t : transforms) if (t instanceof RandomTransform r) out.add(r.generator());
        return out;
    }

    /**
     * Ends the latest background epoch if it is unfinished: stops its thread, waits for it, and
     * puts the random transforms' generators back where they stood before the first batch that was
     * not taken. Without this the old thread could still draw from them while the next epoch's
     * thread does, and the next epoch's augmentations would depend on which thread ran first.
     */
    private void settle() {
        Production p = running;
        if (p == null) return;
        running = null;
        p.end();
    }

    /** A new permutation from the loader's generator, or 0…n−1. */
    private int[] order() {
        int n = dataset.size();
        if (shuffle) return generator.permutation(n);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        return idx;
    }

    private Batch collate(int[] indices) {
        Batch b;
        try (var _ = Tensor.scope()) {   // the index tensor and the examples' views are freed here; the batch is the caller's,
            b = stack(indices);         // in no scope (as a tensor made without one), whatever scope the iteration runs in
            TensorScope.escape(b.inputs());
            TensorScope.escape(b.targets());
        }
        for (UnaryOperator<Batch> t : transforms) b = t.apply(b);
        return b;
    }

    private Batch stack(int[] indices) {
        if (dataset instanceof TensorDataset td) return td.batch(indices);
        List<Tensor> inputs = new ArrayList<>(indices.length), targets = new ArrayList<>(indices.length);
        for (int i : indices) {
            Example e = dataset.get(i);
            inputs.add(e.input());
            targets.add(e.target());
        }
        return new Batch(Tensor.stack(inputs, 0), Tensor.stack(targets, 0));
    }

    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    /**
     * One background epoch as the loader sees it: the thread, how many batches the consumer took,
     * and the random transforms' generator states before each batch was built. It never refers
     * to the consumer's iterator, so that the iterator of an abandoned epoch can be collected.
     */
    private static final class Production {
        private final List<Generator> generators;
        private final int batches;
        private final long[] before;   // [batch][generator][2], written by the producer before it builds the batch
        private Thread thread;
        private volatile int taken;
        private volatile boolean ended;

        Production(int batches, List<Generator> generators) {
            this.generators = generators;
            this.batches = batches;
            this.before = new long[batches * generators.size() * 2];
        }

        void recordBefore(int batch) {
            for (int g = 0; g < generators.size(); g++) {
                long[] s = generators.get(g).getState();
                System.arraycopy(s, 0, before, (batch * generators.size() + g) * 2, 2);
            }
        }

        /** Stops the thread, waits for it, and undoes the draws for the batches never taken. */
        void end() {
            ended = true;
            thread.interrupt();
            boolean interrupted = false;
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
            int k = taken;   // the thread has ended: what it wrote to before[] is visible (join)
            if (generators.isEmpty() || k >= batches) return;
            for (int g = 0; g < generators.size(); g++) {
                int at = (k * generators.size() + g) * 2;
                generators.get(g).setState(new long[] {before[at], before[at + 1]});
            }
        }
    }

    /**
     * Builds batches on a daemon thread, at most {@code prefetch} ahead; errors surface on the
     * consumer's thread. If the consumer abandons the epoch, the next {@link #iterator()} call ends
     * it; if the iterator becomes unreachable first, a cleaner interrupts the thread, so no thread
     * stays blocked on a full queue.
     */
    private final class Prefetcher implements Iterator<Batch> {
        private final BlockingQueue<Object> queue;
        private final Production production;
        private final int total;

        Prefetcher(List<int[]> chunks, List<Generator> generators) {
            total = chunks.size();
            BlockingQueue<Object> q = new ArrayBlockingQueue<>(prefetch);
            queue = q;
            Production p = new Production(total, generators);
            production = p;
            // the producer captures only the queue, the chunks and the production record, never this iterator
            Thread producer = Thread.ofPlatform().daemon().name("jgrad-dataloader").unstarted(() -> produce(chunks, q, p));
            p.thread = producer;
            CLEANER.register(this, producer::interrupt);
            producer.start();
        }

        @Override
        public boolean hasNext() {
            return production.taken < total;
        }

        @Override
        public Batch next() {
            if (!hasNext()) throw new NoSuchElementException();
            if (production.ended) {
                throw new IllegalStateException("DataLoader: this epoch was ended before it was finished, because the loader started the next "
                        + "epoch or saved its state (a loader runs one epoch at a time)");
            }
            Object o;
            try {
                o = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the next batch", e);
            }
            if (o instanceof RuntimeException e) throw new IllegalStateException("the data loader failed to build a batch: " + e.getMessage(), e);
            if (o instanceof Error e) throw e;
            production.taken++;   // only this (the consumer's) thread writes it
            return (Batch) o;
        }
    }

    /**
     * The producer: builds the batches in order and queues them. When interrupted (the epoch was
     * abandoned) it does not stop at once but where it would block anyway, with the queue full and
     * one more batch built ({@code prefetch + 1} past the last one taken): a point that does not
     * depend on when the interrupt came, so even the generators of transforms the loader cannot
     * rewind end up in the same place on every run.
     */
    private void produce(List<int[]> chunks, BlockingQueue<Object> queue, Production p) {
        boolean stopping = false;
        for (int i = 0; i < chunks.size(); i++) {
            p.recordBefore(i);
            Object item;
            try {
                item = collate(chunks.get(i));
            } catch (RuntimeException | Error e) {
                item = e;
            }
            if (!stopping) {
                try {
                    queue.put(item);
                } catch (InterruptedException e) {
                    stopping = true;
                    if (!queue.offer(item)) return;
                }
            } else if (!queue.offer(item)) {
                return;
            }
            if (!(item instanceof Batch)) return;
        }
    }
}
