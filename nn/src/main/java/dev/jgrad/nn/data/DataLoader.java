package dev.jgrad.nn.data;

import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Batches a dataset: an optional shuffle from a seeded generator (a new order every epoch,
 * the same sequence of orders for the same seed), an optional drop of the last incomplete
 * batch, and a background thread that prepares up to {@code prefetch} batches ahead.
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
    private java.util.function.UnaryOperator<Batch> transform = b -> b;

    /** A loader; {@code seed} drives the shuffle. */
    public DataLoader(Dataset dataset, int batchSize, boolean shuffle, long seed) {
        if (dataset == null) throw new IllegalArgumentException("DataLoader: the dataset is null");
        if (batchSize < 1) throw new IllegalArgumentException("DataLoader: batch size must be >= 1, got " + batchSize);
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.generator = new Generator(seed);
    }

    /** Whether to skip a final batch smaller than the batch size; returns this. */
    public DataLoader dropLast(boolean drop) {
        this.dropLast = drop;
        return this;
    }

    /** How many batches the background thread prepares ahead (0: none, batches are built on the caller's thread); returns this. */
    public DataLoader prefetch(int batches) {
        if (batches < 0) throw new IllegalArgumentException("DataLoader: prefetch must be >= 0, got " + batches);
        this.prefetch = batches;
        return this;
    }

    /**
     * Applies {@code transform} to every batch as it is built (on the prefetch thread), such as
     * the random augmentations of {@link Augment}; transforms chain in the order added. Returns this.
     */
    public DataLoader map(java.util.function.UnaryOperator<Batch> transform) {
        if (transform == null) throw new IllegalArgumentException("DataLoader.map: transform is null");
        java.util.function.UnaryOperator<Batch> before = this.transform;
        this.transform = b -> transform.apply(before.apply(b));
        return this;
    }

    /** Batches per epoch. */
    public int batchesPerEpoch() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** Number of examples in the dataset. */
    public int datasetSize() {
        return dataset.size();
    }

    /** One epoch; each call draws a new shuffle order. */
    @Override
    public Iterator<Batch> iterator() {
        int[] order = order();
        List<int[]> chunks = new ArrayList<>();
        for (int at = 0; at < order.length; at += batchSize) {
            int end = Math.min(at + batchSize, order.length);
            if (end - at < batchSize && dropLast) break;
            chunks.add(java.util.Arrays.copyOfRange(order, at, end));
        }
        return prefetch == 0 ? chunks.stream().map(this::collate).iterator() : new Prefetcher(chunks);
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
        return transform.apply(stack(indices));
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
     * Builds batches on a daemon thread, at most {@code prefetch} ahead; errors surface on the
     * consumer's thread. If the consumer abandons the epoch, the iterator becomes unreachable
     * and a cleaner interrupts the thread, so no thread stays blocked on a full queue.
     */
    private final class Prefetcher implements Iterator<Batch> {
        private final BlockingQueue<Object> queue;
        private final int total;
        private int taken;

        Prefetcher(List<int[]> chunks) {
            total = chunks.size();
            BlockingQueue<Object> q = new ArrayBlockingQueue<>(prefetch);
            queue = q;
            // the producer captures only the queue and the chunks, never this iterator
            Thread producer = Thread.ofPlatform().daemon().name("jgrad-dataloader").unstarted(() -> produce(chunks, q));
            CLEANER.register(this, producer::interrupt);
            producer.start();
        }

        @Override
        public boolean hasNext() {
            return taken < total;
        }

        @Override
        public Batch next() {
            if (!hasNext()) throw new NoSuchElementException();
            Object o;
            try {
                o = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the next batch", e);
            }
            if (o instanceof RuntimeException e) throw new IllegalStateException("the data loader failed to build a batch: " + e.getMessage(), e);
            if (o instanceof Error e) throw e;
            taken++;
            return (Batch) o;
        }
    }

    private void produce(List<int[]> chunks, BlockingQueue<Object> queue) {
        try {
            for (int[] c : chunks) {
                Object item;
                try {
                    item = collate(c);
                } catch (RuntimeException | Error e) {
                    item = e;
                }
                queue.put(item);
                if (!(item instanceof Batch)) return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
