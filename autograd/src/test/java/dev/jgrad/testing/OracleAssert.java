package dev.jgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * Comparison of a jgrad result with a PyTorch fixture, shared by the oracle tests of every
 * module (the autograd test jar, package dev.jgrad.testing outside any module, is on the nn
 * tests' class path): exact shape, the expected
 * dtype and device, then every element within the tolerance, reporting the worst one.
 *
 * <pre>{@code
 * OracleAssert.assertClose("add case 3, out", out, expected, DType.FLOAT32, Device.CPU, new Tolerance(1e-5, 1e-5));
 * }</pre>
 */
public final class OracleAssert {
    private OracleAssert() {}

    /** |actual − expected| ≤ atol + rtol·|expected|. */
    public record Tolerance(double atol, double rtol) {
        public double of(double expected) {
            return atol + rtol * Math.abs(expected);
        }
    }

    /**
     * Floating expectations must come back in {@code precision} and within {@code tol};
     * integer and bool expectations must come back in their own dtype and match exactly.
     */
    public static void assertClose(String what, Tensor actual, Tensor expected, DType precision, Device device, Tolerance tol) {
        assertNotNull(actual, what + ": jgrad gives null");
        int[] shape = expected.shape();
        if (!Arrays.equals(shape, actual.shape())) {
            fail(what + ": shape " + Arrays.toString(actual.shape()) + ", torch gives " + Arrays.toString(shape));
        }
        DType expectedType = expected.dtype().isFloating() ? precision : expected.dtype();
        assertEquals(expectedType, actual.dtype(), what + ": dtype");
        assertEquals(device, actual.device(), what + ": device");
        if (expectedType.isFloating()) {
            double[] a = actual.toDoubleArray(), b = expected.toDoubleArray();
            int worst = -1;
            double worstRatio = 1;
            for (int k = 0; k < a.length; k++) {
                double err = Math.abs(a[k] - b[k]);
                double ratio = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err / tol.of(b[k]);
                if (ratio > worstRatio) {
                    worstRatio = ratio;
                    worst = k;
                }
            }
            if (worst >= 0) {
                fail(what + ": worst element at " + coords(worst, shape) + ": jgrad " + a[worst] + ", torch " + b[worst]
                        + " (|diff| " + Math.abs(a[worst] - b[worst]) + " > tolerance " + tol.of(b[worst]) + ")");
            }
        } else {
            long[] a = actual.toLongArray(), b = expected.toLongArray();
            for (int k = 0; k < a.length; k++) {
                if (a[k] != b[k]) {
                    String av = expectedType == DType.BOOL ? String.valueOf(a[k] != 0) : String.valueOf(a[k]);
                    String bv = expectedType == DType.BOOL ? String.valueOf(b[k] != 0) : String.valueOf(b[k]);
                    fail(what + ": first mismatch at " + coords(k, shape) + ": jgrad " + av + ", torch " + bv);
                }
            }
        }
    }

    /** The coordinates of row-major position {@code flat} in {@code shape}, as "[i, j, …]". */
    public static String coords(int flat, int[] shape) {
        int[] c = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            c[d] = flat % shape[d];
            flat /= shape[d];
        }
        return Arrays.toString(c);
    }
}
