package dev.jgrad.nn.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.MemoryStats;
import dev.jgrad.nn.Activation;
import dev.jgrad.nn.BatchNorm;
import dev.jgrad.nn.Dropout;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.Clip;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/**
 * The soak on a GPU: thousands of training steps of a small model on CUDA must leave the caching
 * allocator's statistics flat after warm-up — bytes in use and reserved, live blocks, and no
 * new cuMemAlloc calls (every block is served from the pools) — and no out-of-memory retries.
 * Device buffers of dropped tensors go back to the pools through the allocator's Cleaner, so the
 * test also collects garbage before each sample. Skipped where no CUDA device is usable.
 */
@Tag("soak")
@DisabledIfSystemProperty(named = "jgrad.skipSoak", matches = "true")
class CudaSoakTest {
    private static final int STEPS = Integer.getInteger("jgrad.soak.cudaSteps", 5_000);
    private static final int WARMUP = STEPS / 5;

    @Test
    void deviceMemoryStaysFlatOverALongRun() {
        assumeTrue(Cuda.isAvailable(), () -> "no CUDA device: " + Cuda.unavailableReason());
        Device cuda = Device.cuda();
        Tensor.manualSeed(11);
        Sequential model = new Sequential(new Linear(64, 128), Activation.relu(), BatchNorm.oneD(128), new Dropout(0.1, new Generator(3)),
                new Linear(128, 10));
        model.to(cuda);
        Optimizer opt = new Adam(model.parameters(), 1e-3);
        Generator g = new Generator(5);
        Tensor x = Tensor.randn(g, 256, 64).to(cuda), y = Tensor.randint(g, 0, 10, 256).to(cuda);

        MemoryStats base = null;
        long allocatedMax = 0, reservedMax = 0, blocksMax = 0;
        for (int step = 1; step <= STEPS; step++) {
            Tensor loss = Losses.crossEntropy(model.forward(x), y);
            loss.backward();
            Clip.gradNorm(model.parameters(), 1.0);
            opt.step();
            opt.zeroGrad();
            if (step % 100 == 0) {
                try (var _ = GradMode.noGrad()) {
                    model.eval();
                    model.forward(x).sum().item();
                    model.train();
                }
            }
            if (step == WARMUP || (step > WARMUP && step % (STEPS / 10) == 0)) {
                System.gc();
                loss.item();   // synchronises the device before reading the statistics
                MemoryStats s = Cuda.memoryStats(0);
                if (base == null) {
                    base = s;
                } else {
                    allocatedMax = Math.max(allocatedMax, s.allocatedBytes());
                    reservedMax = Math.max(reservedMax, s.reservedBytes());
                    blocksMax = Math.max(blocksMax, s.activeBlocks());
                    assertEquals(base.deviceMallocs(), s.deviceMallocs(), "after warm-up every block comes from the pools: " + s);
                }
            }
        }
        assertTrue(allocatedMax <= base.allocatedBytes() + (1 << 20), "bytes in use stay flat: " + base + " then up to " + allocatedMax);
        assertTrue(reservedMax <= base.reservedBytes(), "reserved bytes do not grow: " + base + " then up to " + reservedMax);
        assertTrue(blocksMax <= base.activeBlocks() + 16, "live blocks stay flat: " + base.activeBlocks() + " then up to " + blocksMax);
        assertEquals(0, Cuda.memoryStats(0).oomRetries() + Cuda.memoryStats(0).ooms(), "no out-of-memory on the way");
    }
}
