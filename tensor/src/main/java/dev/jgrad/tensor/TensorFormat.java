package dev.jgrad.tensor;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch's printing, so that a learner comparing jgrad with PyTorch side by side reads the same
 * text: nested brackets, one number format and width for the whole tensor (4 decimals, {@code 1.}
 * for whole floats, scientific when magnitudes are far apart), rows wrapped at 80 columns, only
 * the first and last three entries per dimension once a tensor has more than 1000 elements, then
 * the suffixes PyTorch shows: {@code device='cuda:0'}, {@code size=(2, 0)} (empty tensors only),
 * {@code dtype=float64} (PyTorch: {@code dtype=torch.float64}; not shown for float32, int64 and
 * bool, as PyTorch), and {@code grad_fn=<MulBackward0>} or {@code requires_grad=True}.
 *
 * <pre>{@code
 * Tensor.of(new float[] {1, 2, 3}).requiresGrad(true).mul(2)   // tensor([2., 4., 6.], grad_fn=<MulBackward0>)
 * }</pre>
 *
 * <p>The {@code grad_fn} name is jgrad's op name followed by {@code Backward0}, PyTorch's pattern
 * (its 0 numbers overloads; jgrad has none). Where jgrad's primitive is PyTorch's ({@code Add},
 * {@code Mul}, {@code Exp}, {@code Sum}, {@code Softmax}, …) the text is identical; where it is not,
 * the name is the jgrad op that graph views and the backward stepper show (a mean prints
 * {@code DivBackward0}, PyTorch {@code MeanBackward0}). Numbers are rounded from their exact
 * binary value, half to even, as Python's formatting does, so ties such as 0.00025 round alike.
 */
final class TensorFormat {
    private static final int LINE_WIDTH = 80;
    private static final int SUMMARIZE_ABOVE = 1000;
    private static final int EDGE = 3;
    private static final int DECIMALS = 4;
    private static final String PREFIX = "tensor(";
    private static final String ELIDED_ENTRY = " ...";
    private static final String ELIDED_BLOCK = "...";

    private TensorFormat() {}

    static String format(Tensor t) {
        String body = t.numel() == 0 ? "[]" : values(t);
        return withSuffixes(PREFIX + body, suffixes(t));
    }

    /** The suffixes in PyTorch's order: device, size and dtype, then the autograd state. */
    private static List<String> suffixes(Tensor t) {
        List<String> s = new ArrayList<>();
        if (!t.device().equals(Device.CPU)) s.add("device='" + t.device() + "'");
        if (t.numel() == 0) {
            // no element says whether it is whole or boolean, so every type but the default is named
            if (t.dim() != 1) s.add("size=" + sizeTuple(t.layout.shape));
            if (t.dtype() != DType.FLOAT32) s.add("dtype=" + t.dtype());
        } else if (t.dtype() == DType.FLOAT64 || t.dtype() == DType.INT32 || t.dtype().isHalf()) {
            // float32, int64 and bool show in the numbers themselves (1., 1, True)
            s.add("dtype=" + t.dtype());
        }
        if (t.op() != null) s.add("grad_fn=<" + t.op().name() + "Backward0>");
        else if (t.requiresGrad()) s.add("requires_grad=True");
        return s;
    }

    /** Python's tuple text: {@code (2, 0)}, {@code (0,)}. */
    private static String sizeTuple(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) sb.append(i > 0 ? ", " : "").append(shape[i]);
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /**
     * Appends each suffix after a comma, on the same line while it fits in the line width and on
     * a new line indented under the first bracket otherwise. The length of the last line is
     * counted as PyTorch counts it (two more than its characters), so lines break where it breaks.
     */
    private static String withSuffixes(String text, List<String> suffixes) {
        StringBuilder sb = new StringBuilder(text);
        int lastLine = text.length() - text.lastIndexOf('\n') + 1;
        for (String suffix : suffixes) {
            if (lastLine + suffix.length() + 2 > LINE_WIDTH) {
                sb.append(",\n").append(" ".repeat(PREFIX.length())).append(suffix);
                lastLine = PREFIX.length() + suffix.length();
            } else {
                sb.append(", ").append(suffix);
                lastLine += suffix.length() + 2;
            }
        }
        return sb.append(')').toString();
    }

    private static String values(Tensor t) {
        boolean summarize = t.numel() > SUMMARIZE_ABOVE;
        // only the printed corner is copied: a 10^8-element tensor prints without a 10^8-element array
        Tensor shown = summarize ? summary(t, 0) : t;
        NumberStyle style = NumberStyle.of(shown);
        return new Block(t.layout.shape, shown.layout.shape, summarize, style.formatAll(shown), style.width())
                .render(0, 0, PREFIX.length());
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

    /**
     * The nested brackets. {@code shape} is the tensor's and {@code shown} that of the formatted
     * entries in {@code text} (the summary's when summarized): a dimension elided in the summary
     * gets a {@code ...} between its first and last EDGE entries. {@code width} is the number
     * style's (an entry such as {@code nan} may be wider).
     */
    private record Block(int[] shape, int[] shown, boolean summarize, String[] text, int width) {

        String render(int dim, int offset, int indent) {
            if (shape.length == 0) return text[0];
            boolean elided = summarize && shape[dim] > 2 * EDGE;
            int count = shown[dim];
            int stride = 1;
            for (int d = dim + 1; d < shown.length; d++) stride *= shown[d];
            List<String> parts = new ArrayList<>();
            for (int j = 0; j < count; j++) {
                if (elided && j == EDGE) parts.add(dim == shape.length - 1 ? ELIDED_ENTRY : ELIDED_BLOCK);
                parts.add(dim == shape.length - 1 ? text[offset + j] : render(dim + 1, offset + j * stride, indent + 1));
            }
            if (dim < shape.length - 1) {
                // blocks of a dimension d levels above the rows are separated by d - 1 blank lines
                String separator = "," + "\n".repeat(shape.length - 1 - dim) + " ".repeat(indent + 1);
                return "[" + String.join(separator, parts) + "]";
            }
            return "[" + wrapRow(parts, indent) + "]";
        }

        /** As many entries per line as fit in the line width after the indent (at least one). */
        private String wrapRow(List<String> entries, int indent) {
            int entryWidth = width + 2;   // every entry is padded to the width; ", " follows it
            int perLine = Math.max(1, (LINE_WIDTH - indent) / entryWidth);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < entries.size(); i++) {
                if (i > 0) sb.append(i % perLine == 0 ? ",\n" + " ".repeat(indent + 1) : ", ");
                sb.append(entries.get(i));
            }
            return sb.toString();
        }
    }

    /**
     * One format for every printed number, chosen from the non-zero finite magnitudes as PyTorch
     * does: whole floats print as {@code 3.}, scientific when the largest is more than 1000 times
     * the smallest, above 1e8, or (for fractions) below 1e-4; the width is that of the widest
     * non-zero finite entry (integers and booleans: of the widest entry).
     */
    private record NumberStyle(DType dtype, boolean whole, boolean scientific, int width) {

        static NumberStyle of(Tensor t) {
            DType dtype = t.dtype();
            if (!dtype.isFloating()) {
                int width = 1;
                for (String s : plain(t)) width = Math.max(width, s.length());
                return new NumberStyle(dtype, true, false, width);
            }
            double maxAbs = 0, minAbs = Double.POSITIVE_INFINITY;
            boolean whole = true;
            List<Double> significant = new ArrayList<>();
            for (double v : t.toDoubleArray()) {
                if (!Double.isFinite(v) || v == 0) continue;
                significant.add(v);
                if (v != Math.ceil(v)) whole = false;
                maxAbs = Math.max(maxAbs, Math.abs(v));
                minAbs = Math.min(minAbs, Math.abs(v));
            }
            if (significant.isEmpty()) return new NumberStyle(dtype, true, false, 1);
            boolean scientific = maxAbs / minAbs > 1000 || maxAbs > 1e8 || (!whole && minAbs < 1e-4);
            NumberStyle unpadded = new NumberStyle(dtype, whole && !scientific, scientific, 0);
            int width = 1;
            for (double v : significant) width = Math.max(width, unpadded.text(v).length());
            return new NumberStyle(dtype, unpadded.whole, scientific, width);
        }

        /** Every element of {@code t}, formatted and padded on the left to the common width. */
        String[] formatAll(Tensor t) {
            String[] out = dtype.isFloating() ? null : plain(t);
            if (out == null) {
                double[] v = t.toDoubleArray();
                out = new String[v.length];
                for (int i = 0; i < v.length; i++) out[i] = text(v[i]);
            }
            for (int i = 0; i < out.length; i++) out[i] = " ".repeat(Math.max(0, width - out[i].length())) + out[i];
            return out;
        }

        /** Integers as decimal (exact for every int64), booleans as Python writes them. */
        private static String[] plain(Tensor t) {
            long[] v = t.toLongArray();
            String[] out = new String[v.length];
            for (int i = 0; i < v.length; i++) out[i] = t.dtype() == DType.BOOL ? (v[i] != 0 ? "True" : "False") : Long.toString(v[i]);
            return out;
        }

        private String text(double v) {
            if (Double.isNaN(v)) return "nan";
            if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
            String sign = v < 0 || Double.doubleToRawLongBits(v) == Long.MIN_VALUE ? "-" : "";
            BigDecimal a = new BigDecimal(Math.abs(v));
            if (scientific) return sign + scientific(a);
            if (whole) return sign + a.setScale(0, RoundingMode.HALF_EVEN).toPlainString() + ".";
            return sign + a.setScale(DECIMALS, RoundingMode.HALF_EVEN).toPlainString();
        }

        /** {@code d.dddde±XX} of a non-negative value, as Python's {@code {:.4e}}. */
        private static String scientific(BigDecimal a) {
            if (a.signum() == 0) return "0." + "0".repeat(DECIMALS) + "e+00";
            BigDecimal r = a.round(new MathContext(DECIMALS + 1, RoundingMode.HALF_EVEN));
            int exponent = r.precision() - r.scale() - 1;
            String digits = r.unscaledValue().toString();
            digits = digits + "0".repeat(DECIMALS + 1 - digits.length());
            String e = Integer.toString(Math.abs(exponent));
            return digits.charAt(0) + "." + digits.substring(1) + "e" + (exponent < 0 ? "-" : "+") + (e.length() < 2 ? "0" + e : e);
        }
    }
}
