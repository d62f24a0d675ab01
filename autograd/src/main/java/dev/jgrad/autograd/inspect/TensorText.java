package dev.jgrad.autograd.inspect;

import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * Short text for tensors, as the stepper and the graph pages show them: four significant
 * digits, whole numbers without a fraction, and only the first and last few entries of a long
 * dimension. A tensor on a GPU is copied to the host for this (only its ends when it is large).
 *
 * <pre>{@code
 * TensorText.values(Tensor.of(new double[] {4, 6, 0.123456}));   // "[4, 6, 0.1235]"
 * TensorText.shape(Tensor.zeros(2, 3));                           // "[2, 3]"
 * }</pre>
 */
public final class TensorText {
    /** Entries shown at each end of a long dimension. */
    private static final int EDGE = 3;
    /** Above this many elements only the flattened ends are read. */
    private static final int READ_ALL_LIMIT = 100_000;

    private TensorText() {}

    /**
     * {@code v} with four significant digits: {@code 4}, {@code 0.5}, {@code -1.235}, {@code 1.2e-05}.
     *
     * @param v the number
     * @return the text
     */
    public static String number(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (v == 0) return "0";
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e5) {
            return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
        }
        String s = String.format(Locale.ROOT, "%.3e", v);      // 1.200e-05
        int e = s.indexOf('e');
        String mantissa = s.substring(0, e).replaceAll("0+$", "").replaceAll("\\.$", "");
        return mantissa + s.substring(e);
    }

    /**
     * {@return the shape in brackets; {@code []} for a 0-d tensor}
     *
     * @param t the tensor
     */
    public static String shape(Tensor t) {
        int[] s = t.shape();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < s.length; i++) sb.append(i > 0 ? ", " : "").append(s[i]);
        return sb.append(']').toString();
    }

    /**
     * The values: a number for a 0-d tensor, nested brackets for one or two dimensions (long
     * dimensions shortened with …), and the flattened ends for more dimensions.
     *
     * @param t the tensor
     * @return the text
     */
    public static String values(Tensor t) {
        if (t == null) return "—";
        int n = t.numel();
        if (n == 0) return "[]";
        try (var _ = GradMode.noGrad()) {
            if (t.dim() == 0) return number(t.item());
            if (n > READ_ALL_LIMIT) return flatEnds(t);
            double[] v = t.toDoubleArray();
            int[] s = t.shape();
            if (t.dim() == 1) return row(v, 0, s[0]);
            if (t.dim() == 2) {
                StringBuilder sb = new StringBuilder("[");
                int[] rows = shown(s[0], 2);
                for (int j = 0; j < rows.length; j++) {
                    if (j > 0) sb.append(", ");
                    sb.append(rows[j] < 0 ? "…" : row(v, rows[j] * s[1], s[1]));
                }
                return sb.append(']').toString();
            }
            return n <= 2 * EDGE ? row(v, 0, n) : row(v, 0, n) + " (flattened)";
        }
    }

    /**
     * values(t), cut to at most {@code maxChars} characters with a trailing …
     *
     * @param t        the tensor
     * @param maxChars the most characters returned
     * @return the text
     */
    public static String values(Tensor t, int maxChars) {
        String s = values(t);
        return s.length() <= maxChars ? s : s.substring(0, Math.max(1, maxChars - 1)) + "…";
    }

    /** Elements [from, from + len) as one bracketed row, its middle elided when long. */
    private static String row(double[] v, int from, int len) {
        StringBuilder sb = new StringBuilder("[");
        int[] idx = shown(len, EDGE);
        for (int j = 0; j < idx.length; j++) {
            if (j > 0) sb.append(", ");
            sb.append(idx[j] < 0 ? "…" : number(v[from + idx[j]]));
        }
        return sb.append(']').toString();
    }

    /** Indices shown along a dimension of {@code size}, with −1 where the … goes. */
    private static int[] shown(int size, int edge) {
        if (size <= 2 * edge) {
            int[] all = new int[size];
            for (int i = 0; i < size; i++) all[i] = i;
            return all;
        }
        int[] idx = new int[2 * edge + 1];
        for (int i = 0; i < edge; i++) {
            idx[i] = i;
            idx[edge + 1 + i] = size - edge + i;
        }
        idx[edge] = -1;
        return idx;
    }

    /** A large tensor's first and last elements, reading only those from its storage. */
    private static String flatEnds(Tensor t) {
        Tensor flat = t.reshape(-1);
        int n = flat.numel();
        double[] head = flat.narrow(0, 0, EDGE).toDoubleArray();
        double[] tail = flat.narrow(0, n - EDGE, EDGE).toDoubleArray();
        StringBuilder sb = new StringBuilder("[");
        for (double d : head) sb.append(number(d)).append(", ");
        sb.append('…');
        for (double d : tail) sb.append(", ").append(number(d));
        return sb.append("] (flattened)").toString();
    }
}
