package dev.jgrad.kernels.typed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.Fixtures;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The kernels' per-thread scratch stays within {@link Scratch#CAP_BYTES} per thread, whatever ran on the thread. */
class ScratchTest {
    private static final int CAP_FLOATS = (int) (Scratch.CAP_BYTES / 4);

    /** Runs {@code body} on a fresh thread, so it starts with no scratch kept. */
    private static void onFreshThread(Runnable body) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() instanceof AssertionError e) throw e;
        if (failure.get() != null) throw new AssertionError(failure.get());
    }

    @Test
    void arraysWithinTheCapAreKeptAndReused() throws InterruptedException {
        onFreshThread(() -> {
            float[] a = Scratch.floats(Scratch.SGEMM_B, CAP_FLOATS / 4);
            assertSame(a, Scratch.floats(Scratch.SGEMM_B, CAP_FLOATS / 8), "a smaller request reuses the kept array");
            assertEquals(Scratch.CAP_BYTES / 4, Scratch.retainedBytes());
            float[] b = Scratch.floats(Scratch.CONV_SOURCE, CAP_FLOATS / 2);
            assertSame(b, Scratch.floats(Scratch.CONV_SOURCE, CAP_FLOATS / 2));
            assertEquals(3 * Scratch.CAP_BYTES / 4, Scratch.retainedBytes(), "two slots kept side by side");
        });
    }

    @Test
    void aRequestThatWouldExceedTheCapReleasesTheOthersFirst() throws InterruptedException {
        onFreshThread(() -> {
            float[] a = Scratch.floats(Scratch.SGEMM_B, CAP_FLOATS / 2);
            float[] b = Scratch.floats(Scratch.CONV_OUT, CAP_FLOATS * 3 / 4);   // does not fit beside a: a is released
            assertSame(b, Scratch.floats(Scratch.CONV_OUT, 1));
            assertEquals(3 * Scratch.CAP_BYTES / 4, Scratch.retainedBytes());
            assertNotSame(a, Scratch.floats(Scratch.SGEMM_B, CAP_FLOATS / 8), "a was released");
            assertTrue(Scratch.retainedBytes() <= Scratch.CAP_BYTES);
        });
    }

    @Test
    void anArrayLargerThanTheCapIsNeverKept() throws InterruptedException {
        onFreshThread(() -> {
            float[] small = Scratch.floats(Scratch.SGEMM_A, 1024);
            float[] huge = Scratch.floats(Scratch.CONV_SOURCE, CAP_FLOATS + 1);
            assertTrue(huge.length > CAP_FLOATS);
            assertNotSame(huge, Scratch.floats(Scratch.CONV_SOURCE, CAP_FLOATS + 1), "allocated per call");
            assertSame(small, Scratch.floats(Scratch.SGEMM_A, 1024), "what was kept stays kept");
            assertEquals(4096, Scratch.retainedBytes());
        });
    }

    /**
     * One 224×224 convolution (64 input channels), forward and both backward passes, on four
     * threads: its source and output tiles are 13 MB each per thread, and 32 MiB per thread
     * stayed behind before the cap. The result is still right (spot checks against the sum).
     */
    @Test
    void aLargeConvolutionOnSeveralThreadsKeepsAtMostTheCapPerThread() {
        Fixtures.withThreads(4, () -> {
            int n = 4, c = 64, hw = 224, k = 8;
            ConvShape cs = new ConvShape(n, c, hw, hw, k, 3, 3, 1, 1, 1, 1, 1, 1, 1);
            Random r = new Random(3);
            float[] x = new float[n * c * hw * hw], w = new float[k * c * 9], y = new float[n * k * hw * hw];
            for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() - 0.5f;
            for (int i = 0; i < w.length; i++) w[i] = r.nextFloat() - 0.5f;
            Conv2dF32.forward(cs, x, w, y);
            float[] dx = new float[x.length], dw = new float[w.length];
            Conv2dF32.backwardInput(cs, y, w, dx);
            Conv2dF32.backwardWeight(cs, x, y, dw);
            assertTrue(Scratch.maxRetainedBytes() <= Scratch.CAP_BYTES, Scratch.maxRetainedBytes() + " bytes kept by one thread");
            assertTrue(Scratch.totalRetainedBytes() <= (Scratch.CAP_BYTES << 3), Scratch.totalRetainedBytes() + " bytes kept in all");
            for (int t = 0; t < 40; t++) {
                int in = r.nextInt(n), ik = r.nextInt(k), p = r.nextInt(hw), q = r.nextInt(hw);
                double sum = 0;
                for (int ic = 0; ic < c; ic++)
                    for (int dr = 0; dr < 3; dr++)
                        for (int ds = 0; ds < 3; ds++) {
                            int ih = p - 1 + dr, iw = q - 1 + ds;
                            if (ih >= 0 && ih < hw && iw >= 0 && iw < hw) sum += (double) x[((in * c + ic) * hw + ih) * hw + iw] * w[(ik * c + ic) * 9 + dr * 3 + ds];
                        }
                assertEquals(sum, y[((in * k + ik) * hw + p) * hw + q], 1e-3, "y at " + in + "," + ik + "," + p + "," + q);
            }
        });
    }
}
