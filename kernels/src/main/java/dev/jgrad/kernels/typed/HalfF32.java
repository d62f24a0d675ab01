package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Half;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.simd.HalfVec;

/**
 * Conversions between float32 arrays and arrays of 16-bit float bits (float16 or bfloat16), over
 * any shape and strides, plus the same-format copy and fill of 16-bit arrays. The CPU backend
 * computes every op on half tensors in float32 and converts at its edges through these, so they
 * run at memory speed: unit-stride runs take the Vector API loops of {@link HalfVec} (the
 * element-by-element {@link Half} conversions finish each run and serve every other stride), and
 * large problems split over the shared pool as the other elementwise kernels do. Results are bit
 * for bit those of {@link Half}, whichever path runs.
 *
 * <pre>{@code
 * short[] h = new short[n];
 * HalfF32.fromFloat(Half.Format.BF16, n, x, 0, h, 0);   // round n floats to bfloat16
 * HalfF32.toFloat(Half.Format.BF16, n, h, 0, x, 0);     // and back, exactly
 * }</pre>
 */
public final class HalfF32 {
    private HalfF32() {}

    /**
     * out[o + j] = the float value of the {@code format} bits x[xi + j], j &lt; n.
     *
     * @param format the 16-bit format
     * @param n      the number of elements
     * @param x      the source
     * @param xi     the index of the first source element
     * @param out    the destination
     * @param o      the index of the first destination element
     */
    public static void toFloat(Half.Format format, int n, short[] x, int xi, float[] out, int o) {
        int j = 0;
        if (format == Half.Format.BF16) {
            if (Simd.enabled()) j = HalfVec.bf16ToFloat(n, x, xi, out, o);
            for (; j < n; j++) out[o + j] = Half.bf16ToFloat(x[xi + j]);
        } else {
            if (Simd.enabled()) j = HalfVec.f16ToFloat(n, x, xi, out, o);
            for (; j < n; j++) out[o + j] = Half.f16ToFloat(x[xi + j]);
        }
    }

    /**
     * out[o + j] = x[xi + j] rounded to {@code format} (nearest, ties to even), j &lt; n.
     *
     * @param format the 16-bit format
     * @param n      the number of elements
     * @param x      the source
     * @param xi     the index of the first source element
     * @param out    the destination
     * @param o      the index of the first destination element
     */
    public static void fromFloat(Half.Format format, int n, float[] x, int xi, short[] out, int o) {
        int j = 0;
        if (format == Half.Format.BF16) {
            if (Simd.enabled()) j = HalfVec.floatToBf16(n, x, xi, out, o);
            for (; j < n; j++) out[o + j] = Half.floatToBf16(x[xi + j]);
        } else {
            if (Simd.enabled()) j = HalfVec.floatToF16(n, x, xi, out, o);
            for (; j < n; j++) out[o + j] = Half.floatToF16(x[xi + j]);
        }
    }

    /**
     * out = x converted to float (any shape and strides on both sides; stride 0 broadcasts x).
     *
     * @param format   the 16-bit format
     * @param shape    the index space
     * @param out      the destination
     * @param oOff     index in {@code out} of the element at index (0, …, 0)
     * @param oStrides {@code out}'s strides over {@code shape}
     * @param x        the source
     * @param xOff     index in {@code x} of the element at index (0, …, 0)
     * @param xStrides {@code x}'s strides over {@code shape} (0 broadcasts)
     */
    public static void toFloat(Half.Format format, int[] shape, float[] out, int oOff, int[] oStrides, short[] x, int xOff, int[] xStrides) {
        ElementwiseF32.walk(shape, new int[][] {oStrides, xStrides}, new int[] {oOff, xOff}, 1, (n, o, s) -> {
            if (s[0] == 1 && s[1] == 1) {
                toFloat(format, n, x, o[1], out, o[0]);
            } else {
                for (int j = 0; j < n; j++) out[o[0] + j * s[0]] = format.toFloat(x[o[1] + j * s[1]]);
            }
        });
    }

    /**
     * out = x rounded to {@code format} (any shape and strides on both sides).
     *
     * @param format   the 16-bit format
     * @param shape    the index space
     * @param out      the destination
     * @param oOff     index in {@code out} of the element at index (0, …, 0)
     * @param oStrides {@code out}'s strides over {@code shape}
     * @param x        the source
     * @param xOff     index in {@code x} of the element at index (0, …, 0)
     * @param xStrides {@code x}'s strides over {@code shape} (0 broadcasts)
     */
    public static void fromFloat(Half.Format format, int[] shape, short[] out, int oOff, int[] oStrides, float[] x, int xOff, int[] xStrides) {
        ElementwiseF32.walk(shape, new int[][] {oStrides, xStrides}, new int[] {oOff, xOff}, 1, (n, o, s) -> {
            if (s[0] == 1 && s[1] == 1) {
                fromFloat(format, n, x, o[1], out, o[0]);
            } else {
                for (int j = 0; j < n; j++) out[o[0] + j * s[0]] = format.fromFloat(x[o[1] + j * s[1]]);
            }
        });
    }

    /**
     * out = x, both arrays of 16-bit float bits in one format (any strides).
     *
     * @param shape    the index space
     * @param out      the destination
     * @param oOff     index in {@code out} of the element at index (0, …, 0)
     * @param oStrides {@code out}'s strides over {@code shape}
     * @param x        the source
     * @param xOff     index in {@code x} of the element at index (0, …, 0)
     * @param xStrides {@code x}'s strides over {@code shape}
     */
    public static void copy(int[] shape, short[] out, int oOff, int[] oStrides, short[] x, int xOff, int[] xStrides) {
        ElementwiseF32.walk(shape, new int[][] {oStrides, xStrides}, new int[] {oOff, xOff}, 1, (n, o, s) -> {
            if (s[0] == 1 && s[1] == 1) System.arraycopy(x, o[1], out, o[0], n);
            else for (int j = 0; j < n; j++) out[o[0] + j * s[0]] = x[o[1] + j * s[1]];
        });
    }

    /**
     * out = bits everywhere (any strides).
     *
     * @param shape    the index space
     * @param out      the destination
     * @param oOff     index in {@code out} of the element at index (0, …, 0)
     * @param oStrides {@code out}'s strides over {@code shape}
     * @param bits     the 16-bit pattern to store
     */
    public static void fill(int[] shape, short[] out, int oOff, int[] oStrides, short bits) {
        ElementwiseF32.walk(shape, new int[][] {oStrides}, new int[] {oOff}, 1, (n, o, s) -> {
            if (s[0] == 1) java.util.Arrays.fill(out, o[0], o[0] + n, bits);
            else for (int j = 0; j < n; j++) out[o[0] + j * s[0]] = bits;
        });
    }
}
