package dev.jgrad.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A horizontal bar chart on a logarithmic axis, as SVG: one bar per rung of the SGEMM ladder,
 * with vertical reference lines (the measured peaks, OpenBLAS). Rates on a ladder span three
 * orders of magnitude, hence the log axis; single-thread and threaded bars differ in colour, and
 * each reference line in the colour of the bars it compares with.
 *
 * <pre>{@code
 * LadderChart.write(Path.of("ladder.svg"), "SGEMM ladder, n = 1024",
 *         List.of(new LadderChart.Bar("1 naive", 1.2, false, "")),
 *         List.of(new LadderChart.Mark("FMA peak, 1 thread", 215, false)));
 * }</pre>
 */
final class LadderChart {
    private LadderChart() {}

    /**
     * One bar.
     *
     * @param label    the rung, left of the bar
     * @param value    GFLOP/s; NaN draws no bar and shows {@code note} instead
     * @param threaded whether it ran on all threads (the second colour)
     * @param note     why there is no bar
     */
    record Bar(String label, double value, boolean threaded, String note) {}

    /**
     * A vertical reference line.
     *
     * @param label    its name, at the top
     * @param value    GFLOP/s
     * @param threaded whether it belongs with the threaded bars (their colour)
     */
    record Mark(String label, double value, boolean threaded) {}

    private static final String ONE = "#3b6ea8", ALL = "#d9822b";
    private static final int LEFT = 290, RIGHT = 40, TOP = 70, ROW = 30, PLOT = 560;

    static void write(Path file, String title, List<Bar> bars, List<Mark> marks) throws IOException {
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (Bar b : bars) {
            if (b.value() > 0) {
                lo = Math.min(lo, b.value());
                hi = Math.max(hi, b.value());
            }
        }
        for (Mark m : marks) {
            if (m.value() > 0) {
                lo = Math.min(lo, m.value());
                hi = Math.max(hi, m.value());
            }
        }
        if (hi == 0) {
            lo = 1;
            hi = 10;
        }
        double d0 = Math.floor(Math.log10(lo)), d1 = Math.ceil(Math.log10(hi));
        if (d1 <= d0) d1 = d0 + 1;
        int height = TOP + ROW * bars.size() + 60, width = LEFT + PLOT + RIGHT;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
                + "font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", width, height));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", 10, esc(title)));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"38\" fill=\"%s\">■ one thread</text><text x=\"%d\" y=\"38\" fill=\"%s\">■ all threads"
                + "</text>%n", 10, ONE, 110, ALL));
        int bottom = TOP + ROW * bars.size();
        for (double d = d0; d <= d1; d++) {   // decades: grid lines and labels
            double x = xOf(Math.pow(10, d), d0, d1);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", x, TOP - 8, x, bottom));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, bottom + 16,
                    fmt(Math.pow(10, d))));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">GFLOP/s</text>%n", LEFT + PLOT / 2, bottom + 34));
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            int y = TOP + ROW * i;
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", LEFT - 8, y + 19, esc(b.label())));
            if (b.value() > 0) {
                double x = xOf(b.value(), d0, d1);
                s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n", LEFT, y + 5, x - LEFT,
                        ROW - 10, b.threaded() ? ALL : ONE));
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>%n", x + 4, y + 19, fmt(b.value())));
            } else {
                s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#888\">%s</text>%n", LEFT + 4, y + 19, esc(shorten(b.note()))));
            }
        }
        for (int i = 0; i < marks.size(); i++) {
            Mark m = marks.get(i);
            if (!(m.value() > 0)) continue;
            double x = xOf(m.value(), d0, d1);
            String colour = m.threaded() ? ALL : ONE;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-dasharray=\"%s\"/>%n", x,
                    TOP - 4, x, bottom, colour, m.label().startsWith("OpenBLAS") ? "2,3" : "6,3"));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" fill=\"%s\" font-size=\"10\">%s %s</text>%n", x - 2,
                    TOP - 8 - 11 * (marks.size() - 1 - i), colour, esc(m.label()), fmt(m.value())));
        }
        s.append("</svg>\n");
        Files.writeString(file, s.toString(), StandardCharsets.UTF_8);
    }

    private static double xOf(double v, double d0, double d1) {
        return LEFT + PLOT * (Math.log10(v) - d0) / (d1 - d0);
    }

    private static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : v >= 10 ? String.format(Locale.ROOT, "%.1f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String shorten(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
