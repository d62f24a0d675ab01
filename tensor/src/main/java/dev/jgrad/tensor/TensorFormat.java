package dev.jgrad.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PyTorch-style printing: nested brackets, one number format for the whole tensor, columns
 * aligned, and only the first and last three entries per dimension once a tensor has more
 * than 1000 elements.
 */
final class TensorFormat {
    private static final int SUMMARIZE_ABOVE = 1000;
    private static final int EDGE = 3;

    private TensorFormat() {}

    static String format(Tensor t) {
        StringBuilder sb = new StringBuilder("tensor(");
        if (t.numel() == 0) {
            sb.append("[]");
        } else {
            boolean summarize = t.numel() > SUMMARIZE_ABOVE;
            // only the printed corner is copied: a 10^8-element tensor prints without a 10^8-element array
            Tensor src = summarize ? summary(t, 0) : t;
            double[] values = src.toDoubleArray();
            long[] longs = t.dtype() == DType.INT64 ? src.toLongArray() : null;
            int[] shape = t.layout.shape;
            List<Integer> shown = new ArrayList<>();
            for (int i = 0; i < values.length; i++) shown.add(i);
            String[] text = new String[values.length];
            NumberStyle style = NumberStyle.choose(t.dtype(), values, shown);
            int width = 0;
            for (int i : shown) {
                text[i] = longs != null ? Long.toString(longs[i]) : style.format(values[i]);
                width = Math.max(width, text[i].length());
            }
            appendDim(sb, shape, src.layout.shape, 0, 0, summarize, text, width, 7 + 1);
        }
        List<String> extras = new ArrayList<>();
        if (t.dim() != 1 || t.numel() == 0) extras.add("shape=" + Shapes.str(t.layout.shape));
        if (t.dtype() != DType.FLOAT32) extras.add("dtype=" + t.dtype());
        if (!t.device().equals(Device.CPU)) extras.add("device=" + t.device());
        if (t.op() != null) extras.add("op=" + t.op().name());
        else if (t.requiresGrad()) extras.add("requiresGrad=true");
        for (String e : extras) sb.append(", ").append(e);
        return sb.append(')').toString();
    }

    /** Indices along one dimension that are printed. */
    private static int[] shownIndices(int size, boolean summarize) {
        if (!summarize || size <= 2 * EDGE) {
            int[] all = new int[size];
            for (int i = 0; i < size; i++) all[i] = i;
            return all;
        }
        return new int[] {0, 1, 2, size - 3, size - 2, size - 1};
    }

    /** The first and last EDGE entries of every dimension longer than 2·EDGE, copied into a small tensor. */
    private static Tensor summary(Tensor x, int dim) {
        if (dim == x.dim()) return ElementwiseOps.copy(x, x.dtype());
        int size = x.layout.shape[dim];
        if (size <= 2 * EDGE) return summary(x, dim + 1);
        Tensor head = summary(x.viewOf(x.layout.slice(dim, 0, EDGE, 1)), dim + 1);
        Tensor tail = summary(x.viewOf(x.layout.slice(dim, size - EDGE, size, 1)), dim + 1);
        return ViewOps.cat(List.of(head, tail), dim);
    }

    /** {@code shape} is the tensor's, {@code printed} that of the values in {@code text} (the summary's when summarized). */
    private static void appendDim(StringBuilder sb, int[] shape, int[] printed, int dim, int base, boolean summarize,
                                  String[] text, int width, int indent) {
        if (dim == shape.length) {
            sb.append(" ".repeat(width - text[base].length())).append(text[base]);
            return;
        }
        int stride = 1;
        for (int d = dim + 1; d < printed.length; d++) stride *= printed[d];
        int[] idx = shownIndices(shape[dim], summarize);
        boolean innermost = dim == shape.length - 1;
        String sep = innermost ? ", " : ",\n" + "\n".repeat(shape.length - dim - 2) + " ".repeat(indent);
        sb.append('[');
        for (int j = 0; j < idx.length; j++) {
            if (j > 0) sb.append(sep);
            if (j > 0 && idx[j] != idx[j - 1] + 1) sb.append("...").append(sep);
            appendDim(sb, shape, printed, dim + 1, base + j * stride, summarize, text, width, indent + 1);
        }
        sb.append(']');
    }

    /** One format for every printed number, chosen from their range, as PyTorch does. */
    private record NumberStyle(DType dtype, boolean integral, boolean scientific) {
        static NumberStyle choose(DType dtype, double[] values, List<Integer> shown) {
            if (!dtype.isFloating()) return new NumberStyle(dtype, true, false);
            boolean integral = true;
            double maxAbs = 0, minAbs = Double.POSITIVE_INFINITY;
            for (int i : shown) {
                double v = values[i];
                if (!Double.isFinite(v)) continue;
                if (v != Math.rint(v)) integral = false;
                double a = Math.abs(v);
                maxAbs = Math.max(maxAbs, a);
                if (a > 0) minAbs = Math.min(minAbs, a);
            }
            // as PyTorch: scientific when the non-zero magnitudes are far apart (ratio above 1000), very large
            // (above 1e8) or very small (below 1e-4), whether or not they are whole numbers
            boolean scientific = minAbs != Double.POSITIVE_INFINITY && (maxAbs / minAbs > 1e3 || maxAbs > 1e8 || minAbs < 1e-4);
            return new NumberStyle(dtype, integral && !scientific, scientific);
        }

        String format(double v) {
            if (dtype == DType.BOOL) return v != 0 ? "True" : "False";
            if (!dtype.isFloating()) return Long.toString((long) v);
            if (Double.isNaN(v)) return "nan";
            if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
            if (integral) return String.format(Locale.ROOT, "%.0f.", v);
            if (scientific) return String.format(Locale.ROOT, "%.4e", v);
            return String.format(Locale.ROOT, "%.4f", v);
        }
    }
}
