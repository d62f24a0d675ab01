package dev.jgrad.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

/** Random operands, float-to-double copies and tolerance checks shared by the fast-kernel tests. */
public final class Fixtures {
    private Fixtures() {}

    /** n uniform floats in [-1, 1). */
    public static float[] rand(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rnd.nextFloat() * 2 - 1;
        return a;
    }

    public static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    /** The same values as a float64 buffer: the reference kernels then compute in double throughout. */
    public static Buf.F64 f64(float[] a) {
        return new Buf.F64(toDouble(a));
    }

    /**
     * Fails unless |got[i] − want[i]| ≤ atol + rtol·|want[i]| for every i (NaN only where want is
     * NaN). Reports the first offending element and the largest error seen.
     */
    public static void assertClose(String what, double[] want, float[] got, double atol, double rtol) {
        assertClose(what, want, got, 0, want.length, atol, rtol);
    }

    public static void assertClose(String what, double[] want, float[] got, int from, int to, double atol, double rtol) {
        double worst = 0;
        int worstAt = -1;
        for (int i = from; i < to; i++) {
            double w = want[i], g = got[i];
            if (Double.isNaN(w) || Double.isNaN(g)) {
                if (Double.isNaN(w) != Double.isNaN(g)) fail(what + ": element " + i + " is " + g + ", expected " + w);
                continue;
            }
            if (w == g) continue;
            double err = Math.abs(g - w), allowed = atol + rtol * Math.abs(w);
            if (!(err <= allowed)) fail(what + ": element " + i + " is " + g + ", expected " + w + " (error " + err + " > " + allowed + ")");
            if (err > worst) {
                worst = err;
                worstAt = i;
            }
        }
        assert worstAt >= -1;
    }

    /** Runs {@code body} with SIMD switched on or off (on only where the Vector API is present). */
    public static void withSimd(boolean on, Runnable body) {
        boolean before = Simd.enabled;
        Simd.enabled = on && Simd.available();
        try {
            body.run();
        } finally {
            Simd.enabled = before;
        }
    }

    /** Runs {@code body} with the pool set to {@code threads}, restoring the previous size. */
    public static void withThreads(int threads, Runnable body) {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            body.run();
        } finally {
            Parallel.setThreads(before);
        }
    }
}
