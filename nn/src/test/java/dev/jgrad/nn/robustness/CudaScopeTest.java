package dev.jgrad.nn.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.MemoryStats;
import dev.jgrad.nn.Activation;
import dev.jgrad.nn.BatchNorm;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.data.TensorDataset;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.nn.train.Metric;
import dev.jgrad.nn.train.Trainer;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.TensorScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Explicit lifetimes on a GPU: closing a tensor gives its block back to the caching allocator at
 * once, scoped training steps and the trainer free every step's device memory without the garbage
 * collector (the allocator's Cleaner returns nothing and the collector is never run on an
 * out-of-memory), and an allocation larger than the free memory succeeds once the tensors holding
 * it were closed, with collection on out-of-memory switched off. Skipped where no CUDA device is usable.
 */
class CudaScopeTest {
    @BeforeAll
    static void startCounting() {   // counting starts at the first reading: tensors made before it are not counted
        TensorScope.openStorages(Device.Type.CPU);
    }


    private static Device gpu() {
        assumeTrue(Cuda.isAvailable(), () -> "no CUDA device: " + Cuda.unavailableReason());
        return Device.cuda();
    }

    /** Lets the Cleaner return what earlier tests dropped, so that later counts are this test's own. */
    private static MemoryStats settled() throws InterruptedException {
        long last = -1;
        for (int i = 0; i < 20 && Cuda.memoryStats(0).cleanerReleases() != last; i++) {
            last = Cuda.memoryStats(0).cleanerReleases();
            System.gc();
            Thread.sleep(50);
        }
        return Cuda.memoryStats(0);
    }

    @Test
    void closingATensorReturnsItsBlockAtOnce() throws InterruptedException {
        Device cuda = gpu();
        MemoryStats before = settled();
        Tensor t = Tensor.randn(new Generator(1), 1024, 1024).to(cuda);
        Tensor view = t.t();
        assertEquals(before.allocatedBytes() + (4L << 20), Cuda.memoryStats(0).allocatedBytes());
        t.close();
        assertEquals(before.allocatedBytes() + (4L << 20), Cuda.memoryStats(0).allocatedBytes(), "the open view still holds the block");
        view.close();
        MemoryStats after = Cuda.memoryStats(0);
        assertEquals(before.allocatedBytes(), after.allocatedBytes());
        assertEquals(before.cleanerReleases(), after.cleanerReleases(), "returned by close, not by the collector");
    }

    @Test
    void scopedTrainingStepsNeedNoCollector() throws InterruptedException {
        Device cuda = gpu();
        Tensor.manualSeed(11);
        Sequential model = new Sequential(new Linear(64, 128), Activation.relu(), BatchNorm.oneD(128), new Linear(128, 10));
        model.to(cuda);
        Optimizer opt = new Adam(model.parameters(), 1e-3);
        Generator g = new Generator(5);
        Tensor x = Tensor.randn(g, 256, 64).to(cuda), y = Tensor.randint(g, 0, 10, 256).to(cuda);
        for (int i = 0; i < 20; i++) scopedStep(model, opt, x, y);   // warm-up: the optimizer's state, the allocator's pools
        MemoryStats base = settled();
        long open = TensorScope.openStorages(Device.Type.CUDA);
        for (int i = 0; i < 500; i++) {
            scopedStep(model, opt, x, y);
            if (i % 50 == 49) {
                MemoryStats s = Cuda.memoryStats(0);
                assertEquals(base.allocatedBytes(), s.allocatedBytes(), "device bytes in use after step " + (i + 1) + ": " + s);
                assertEquals(base.deviceMallocs(), s.deviceMallocs(), "every block comes from the pools: " + s);
                assertEquals(open, TensorScope.openStorages(Device.Type.CUDA));
            }
        }
        MemoryStats end = Cuda.memoryStats(0);
        assertEquals(base.cleanerReleases(), end.cleanerReleases(), "nothing was left for the Cleaner: " + end);
        assertEquals(base.gcCollections(), end.gcCollections(), "the allocator never ran the collector");
    }

    private static void scopedStep(Sequential model, Optimizer opt, Tensor x, Tensor y) {
        try (var _ = Tensor.scope()) {
            Tensor loss = Losses.crossEntropy(model.forward(x), y);
            loss.backward();
            opt.step();
            opt.zeroGrad();
            loss.item();
        }
    }

    @Test
    void theTrainerOnAGpuLeavesNothingForTheCollector() throws InterruptedException {
        Device cuda = gpu();
        Generator g = new Generator(6);
        TensorDataset train = new TensorDataset(Tensor.randn(g, 512, 32), Tensor.randint(g, 0, 4, 512));
        Tensor.manualSeed(12);
        Sequential model = new Sequential(new Linear(32, 64), Activation.relu(), new Linear(64, 4));
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), 1e-3), Losses::crossEntropy).metrics(Metric.accuracy(), Metric.f1(4))
                .device(cuda);
        DataLoader loader = new DataLoader(train, 64, true, 1);
        trainer.fit(loader, loader, 1);
        MemoryStats base = settled();
        long open = TensorScope.openStorages(Device.Type.CUDA);
        trainer.fit(loader, loader, 3);
        MemoryStats end = Cuda.memoryStats(0);
        assertEquals(open, TensorScope.openStorages(Device.Type.CUDA), "device storages open after three more epochs");
        assertEquals(base.cleanerReleases(), end.cleanerReleases(), "every step's device memory was closed: " + end);
        assertEquals(base.allocatedBytes(), end.allocatedBytes());
    }

    @Test
    void anAllocationBeyondFreeMemorySucceedsWithoutTheCollectorOnceTensorsWereClosed() throws InterruptedException {
        Device cuda = gpu();
        boolean was = Cuda.collectOnOutOfMemory();
        Cuda.setCollectOnOutOfMemory(false);
        try {
            settled();
            Cuda.emptyCache();
            Tensor one = Tensor.zeros(1).to(cuda);
            long free = Cuda.memoryInfo(0)[0];
            int small = 1 << 29, large = 3 << 28;   // 2 GiB and 3 GiB of float32: different size classes
            int smallCount = (int) (free * 0.6 / (4L * small)), largeCount = (int) (free * 0.6 / (4L * large));
            assumeTrue(smallCount >= 2 && largeCount >= 2, "needs a GPU with at least ~14 GiB free, has " + free);
            MemoryStats before = Cuda.memoryStats(0);
            try (var _ = Tensor.scope()) {
                for (int i = 0; i < smallCount; i++) Tensor.zerosLike(one.expand(small));
            }   // ~60% of the free memory now cached in 2 GiB blocks
            try (var _ = Tensor.scope()) {
                for (int i = 0; i < largeCount; i++) Tensor.zerosLike(one.expand(large));   // fits only once the cache goes back
            }
            MemoryStats after = Cuda.memoryStats(0);
            assertTrue(after.oomRetries() > before.oomRetries(), "the cache had to be emptied: " + after);
            assertEquals(before.ooms(), after.ooms());
            assertEquals(before.gcCollections(), after.gcCollections(), "no collection was needed");
            assertEquals(before.cleanerReleases(), after.cleanerReleases());
            one.close();
        } finally {
            Cuda.setCollectOnOutOfMemory(was);
            Cuda.emptyCache();
        }
    }
}
