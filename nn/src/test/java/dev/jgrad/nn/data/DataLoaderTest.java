package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** DataLoader ordering, batching, prefetching, abandoned epochs, random state and failure handling; TensorDataset and ranges. */
class DataLoaderTest {
    /** Example i: input [i, 10·i] (float32), target i (int64). */
    private static TensorDataset numbers(int n) {
        float[] x = new float[2 * n];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = 10 * i;
            y[i] = i;
        }
        return new TensorDataset(Tensor.of(x, n, 2), Tensor.of(y, n));
    }

    /** The dataset order one epoch visits, from the targets, batch by batch. */
    private static List<long[]> epoch(Iterable<Batch> loader) {
        List<long[]> out = new ArrayList<>();
        for (Batch b : loader) {
            long[] t = b.targets().toLongArray();
            float[] in = b.inputs().toFloatArray();
            assertEquals(t.length, b.size());
            assertArrayEquals(new int[] {t.length, 2}, b.inputs().shape());
            for (int k = 0; k < t.length; k++) {
                assertEquals(t[k], in[2 * k], "inputs and targets stay paired");
                assertEquals(10 * t[k], in[2 * k + 1]);
            }
            out.add(t);
        }
        return out;
    }

    private static long[] flat(List<long[]> batches) {
        return batches.stream().flatMapToLong(Arrays::stream).toArray();
    }

    private static void assertSameBatches(List<long[]> a, List<long[]> b, String what) {
        assertEquals(a.size(), b.size(), what + ": batch count");
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i), b.get(i), what + ": batch " + i);
    }

    @Test
    void sameSeedGivesTheSameSequenceOfOrders() {
        DataLoader a = new DataLoader(numbers(23), 5, true, 42), b = new DataLoader(numbers(23), 5, true, 42);
        for (int e = 0; e < 3; e++) assertSameBatches(epoch(a), epoch(b), "epoch " + e);
        DataLoader c = new DataLoader(numbers(23), 5, true, 43);
        DataLoader d = new DataLoader(numbers(23), 5, true, 42);
        assertFalse(Arrays.equals(flat(epoch(c)), flat(epoch(d))), "another seed, another order");
    }

    @Test
    void eachEpochIsANewPermutation() {
        DataLoader loader = new DataLoader(numbers(30), 7, true, 7);
        Set<String> orders = new java.util.HashSet<>();
        for (int e = 0; e < 4; e++) {
            long[] order = flat(epoch(loader));
            long[] sorted = order.clone();
            Arrays.sort(sorted);
            long[] all = new long[30];
            Arrays.setAll(all, i -> i);
            assertArrayEquals(all, sorted, "every example exactly once per epoch");
            orders.add(Arrays.toString(order));
        }
        assertEquals(4, orders.size(), "four epochs, four different orders");
        long[] identity = new long[30];
        Arrays.setAll(identity, i -> i);
        assertFalse(Arrays.equals(identity, flat(epoch(loader))), "shuffled");
    }

    @Test
    void withoutShuffleTheOrderIsTheDatasetOrder() {
        DataLoader loader = new DataLoader(numbers(10), 4, false, 1);
        List<long[]> e = epoch(loader);
        assertSameBatches(List.of(new long[] {0, 1, 2, 3}, new long[] {4, 5, 6, 7}, new long[] {8, 9}), e, "no shuffle");
        assertSameBatches(e, epoch(loader), "every epoch");
    }

    @Test
    void dropLastAndBatchesPerEpoch() {
        DataLoader keep = new DataLoader(numbers(10), 4, true, 3);
        assertEquals(3, keep.batchesPerEpoch());
        List<long[]> e = epoch(keep);
        assertEquals(3, e.size());
        assertEquals(2, e.get(2).length, "the last batch holds the remainder");

        DataLoader drop = new DataLoader(numbers(10), 4, true, 3).dropLast(true);
        assertEquals(2, drop.batchesPerEpoch());
        List<long[]> d = epoch(drop);
        assertEquals(2, d.size());
        for (long[] b : d) assertEquals(4, b.length);
        assertArrayEquals(Arrays.copyOf(flat(e), 8), flat(d), "dropping changes nothing before the last batch");

        assertEquals(3, new DataLoader(numbers(12), 4, false, 0).dropLast(true).batchesPerEpoch());
        assertEquals(0, new DataLoader(numbers(3), 4, false, 0).dropLast(true).batchesPerEpoch());
        assertEquals(0, epoch(new DataLoader(numbers(3), 4, false, 0).dropLast(true)).size());
        assertEquals(1, new DataLoader(numbers(3), 4, false, 0).batchesPerEpoch());
        assertEquals(10, keep.datasetSize());
        assertThrows(IllegalArgumentException.class, () -> new DataLoader(numbers(3), 0, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new DataLoader(numbers(3), 1, false, 0).prefetch(-1));
    }

    @Test
    void prefetchDoesNotChangeTheBatches() {
        for (int prefetch : new int[] {1, 2, 5, 100}) {
            DataLoader plain = new DataLoader(numbers(37), 4, true, 11).prefetch(0);
            DataLoader ahead = new DataLoader(numbers(37), 4, true, 11).prefetch(prefetch);
            for (int e = 0; e < 2; e++) assertSameBatches(epoch(plain), epoch(ahead), "prefetch " + prefetch + ", epoch " + e);
        }
        // a dataset without a batch fast path: examples are stacked one by one
        Dataset generic = numbers(37).range(0, 37);
        DataLoader stacked = new DataLoader(generic, 4, true, 11).prefetch(3);
        assertSameBatches(epoch(new DataLoader(numbers(37), 4, true, 11)), epoch(stacked), "stacked batches");
    }

    @Test
    void iteratorEnds() {
        for (int prefetch : new int[] {0, 2}) {
            Iterator<Batch> it = new DataLoader(numbers(3), 2, false, 0).prefetch(prefetch).iterator();
            it.next();
            it.next();
            assertFalse(it.hasNext());
            assertThrows(NoSuchElementException.class, it::next, "prefetch " + prefetch);
        }
    }

    /** A dataset whose example {@code bad} cannot be built. */
    private static Dataset failingAt(int bad) {
        TensorDataset inner = numbers(20);
        return new Dataset() {
            public int size() {
                return inner.size();
            }

            public Example get(int index) {
                if (index == bad) throw new IllegalStateException("example " + index + " is unreadable");
                return inner.get(index);
            }
        };
    }

    @Test
    void datasetFailureSurfacesOnTheConsumerThread() {
        DataLoader loader = new DataLoader(failingAt(13), 4, false, 0).prefetch(2);
        Iterator<Batch> it = loader.iterator();
        for (int b = 0; b < 3; b++) it.next();   // batches 0..2 hold examples 0..11
        IllegalStateException e = assertThrows(IllegalStateException.class, it::next);
        assertTrue(e.getMessage().contains("the data loader failed to build a batch"), e.getMessage());
        assertTrue(e.getMessage().contains("example 13 is unreadable"), e.getMessage());
        assertTrue(e.getCause() instanceof IllegalStateException && e.getCause().getMessage().equals("example 13 is unreadable"));
        boolean producedHere = Arrays.stream(e.getCause().getStackTrace()).anyMatch(f -> f.getMethodName().contains("produce"));
        assertTrue(producedHere, "the cause keeps the background thread's stack");

        DataLoader direct = new DataLoader(failingAt(1), 4, false, 0).prefetch(0);
        IllegalStateException d = assertThrows(IllegalStateException.class, () -> direct.iterator().next());
        assertEquals("example 1 is unreadable", d.getMessage(), "without prefetch the error is thrown as is");
    }

    private static Set<Thread> loaderThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("jgrad-dataloader") && t.isAlive())
                .collect(Collectors.toSet());
    }

    @Test
    void abandonedIteratorsPrefetchThreadEnds() throws InterruptedException {
        Set<Thread> before = loaderThreads();
        DataLoader loader = new DataLoader(numbers(500), 1, true, 5).prefetch(2);
        Iterator<Batch> it = loader.iterator();
        it.next();
        Set<Thread> mine = loaderThreads();
        mine.removeAll(before);
        assertEquals(1, mine.size(), "one producer thread for the epoch");
        Thread producer = mine.iterator().next();
        assertTrue(producer.isDaemon(), "a daemon thread cannot keep the JVM alive");
        Thread.sleep(50);
        assertTrue(producer.isAlive(), "blocked on the full queue while the iterator is alive");
        java.lang.ref.Reference.reachabilityFence(it);   // reachable up to here, so nothing collects it during the check above
        it = null;   // abandon the epoch after one of 500 batches
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (producer.isAlive() && System.nanoTime() < deadline) {
            System.gc();
            producer.join(100);
        }
        assertFalse(producer.isAlive(), "the producer of an abandoned iterator must end once the iterator is collected");
    }

    @Test
    void tensorDatasetAndRanges() {
        TensorDataset ds = numbers(6);
        assertEquals(6, ds.size());
        Example e = ds.get(4);
        assertArrayEquals(new float[] {4, 40}, e.input().toFloatArray());
        assertEquals(4, e.target().itemLong());
        assertEquals(0, e.target().dim());
        Dataset r = ds.range(2, 5);
        assertEquals(3, r.size());
        assertEquals(2, r.get(0).target().itemLong());
        assertEquals(4, r.get(2).target().itemLong());
        assertThrows(IndexOutOfBoundsException.class, () -> r.get(3));
        assertThrows(IndexOutOfBoundsException.class, () -> r.get(-1));
        assertEquals(0, ds.range(3, 3).size());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> ds.range(4, 7));
        assertTrue(bad.getMessage().contains("[4, 7)") && bad.getMessage().contains("6"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ds.range(3, 2));
        IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class,
                () -> new TensorDataset(Tensor.zeros(4, 2), Tensor.zeros(DType.INT64, 5)));
        assertTrue(shapes.getMessage().contains("[4, 2]") && shapes.getMessage().contains("[5]"), shapes.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TensorDataset(Tensor.scalar(1), Tensor.zeros(1)));
        Dataset of = Dataset.of(Tensor.zeros(3, 1), Tensor.ones(3));
        assertEquals(3, of.size());
        assertNotEquals(null, of.get(2));

        Tensor grads = Tensor.ones(2, 2).requiresGrad(true);
        TensorDataset detached = new TensorDataset(grads.mul(2), Tensor.zeros(2));
        assertFalse(detached.get(0).input().requiresGrad(), "datasets hold detached tensors");
    }

    @Test
    void anAbandonedEpochIsEndedByTheNextAndItsIteratorSaysSo() {
        DataLoader loader = new DataLoader(numbers(40), 2, true, 1).prefetch(3);
        Iterator<Batch> first = loader.iterator();
        first.next();
        List<long[]> second = epoch(loader);
        assertEquals(20, second.size());
        assertTrue(first.hasNext());
        IllegalStateException e = assertThrows(IllegalStateException.class, first::next);
        assertTrue(e.getMessage().contains("this epoch was ended before it was finished"), e.getMessage());
    }

    @Test
    void anOpaqueRandomTransformStopsAtTheSamePlaceWhateverTheTiming() {
        // a transform the loader cannot rewind: the abandoned epoch's thread builds exactly
        // prefetch + 1 batches past the last one taken, never a timing-dependent number
        for (int trial = 0; trial < 6; trial++) {
            AtomicInteger built = new AtomicInteger();
            DataLoader loader = new DataLoader(numbers(60), 2, true, 1).prefetch(3).map(b -> {
                built.incrementAndGet();
                return b;
            });
            Iterator<Batch> it = loader.iterator();
            it.next();
            it.next();
            if (trial % 2 == 1) {
                it = null;
                System.gc();
            }
            loader.stateDict();   // ends the abandoned epoch, as a new epoch would
            assertEquals(2 + 3 + 1, built.get(), "trial " + trial);
            java.lang.ref.Reference.reachabilityFence(it);
        }
    }

    @Test
    void stateDictRestoresTheShuffleAndTheAugmentations() {
        Tensor images = Tensor.randn(new Generator(2), 12, 1, 5, 5);
        DataLoader a = new DataLoader(new TensorDataset(images, Tensor.zeros(DType.INT64, 12)), 3, true, 7)
                .map(Augment.randomShift(1, 8)).map(b -> b).map(Augment.randomHorizontalFlip(0.5, 9));
        for (Batch b : a) b.inputs();
        Map<String, Tensor> saved = a.stateDict();
        assertEquals(List.of("generator", "map.0.generator", "map.2.generator"), List.copyOf(saved.keySet()));
        List<float[]> next = new ArrayList<>();
        for (Batch b : a) next.add(b.inputs().toFloatArray());

        DataLoader b = new DataLoader(new TensorDataset(images, Tensor.zeros(DType.INT64, 12)), 3, true, 100)
                .map(Augment.randomShift(1, 101)).map(x -> x).map(Augment.randomHorizontalFlip(0.5, 102));
        b.loadStateDict(saved);
        int i = 0;
        for (Batch batch : b) assertArrayEquals(next.get(i++), batch.inputs().toFloatArray(), "batch " + (i - 1));

        DataLoader fewer = new DataLoader(new TensorDataset(images, Tensor.zeros(DType.INT64, 12)), 3, true, 0).map(Augment.randomShift(1, 8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fewer.loadStateDict(saved));
        assertTrue(e.getMessage().contains("[generator, map.0.generator, map.2.generator]") && e.getMessage().contains("[generator, map.0.generator]"),
                e.getMessage());
        Map<String, Tensor> bad = new java.util.LinkedHashMap<>(saved);
        bad.put("map.2.generator", Tensor.zeros(DType.INT64, 3));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(bad));
        assertTrue(shape.getMessage().contains("\"map.2.generator\" must be an int64 tensor of shape [2]"), shape.getMessage());
    }
}
