package dev.jgrad.nn.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Line charts as a self-contained SVG file (no fonts or scripts fetched): one or more charts
 * side by side, each with axes, ticks, a legend and optional log scales.
 *
 * <pre>{@code
 * var chart = new LinePlot.Chart("GFLOP/s vs size", "n", "GFLOP/s", true, false,
 *         List.of(new LinePlot.Series("jgrad", sizes, gflops)));
 * LinePlot.write(Path.of("sgemm.svg"), List.of(chart));
 * }</pre>
 */
public final class LinePlot {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};
    private static final int W = 480, H = 320, LEFT = 64, RIGHT = 16, TOP = 36, BOTTOM = 48;

    private LinePlot() {}

    /**
     * One line: a name and its points (NaN y values are skipped).
     *
     * @param name the legend's text
     * @param x    the x values
     * @param y    the y values
     */
    public record Series(String name, double[] x, double[] y) {}

    /**
     * One chart.
     *
     * @param title  the chart's title
     * @param xLabel the x axis's label
     * @param yLabel the y axis's label
     * @param logX   a logarithmic x axis
     * @param logY   a logarithmic y axis
     * @param series the lines
     */
    public record Chart(String title, String xLabel, String yLabel, boolean logX, boolean logY, List<Series> series) {}

    /**
     * Writes the charts side by side to {@code file}.
     *
     * @param file   the SVG file
     * @param charts the charts
     * @throws java.io.IOException when the file cannot be written
     */
    public static void write(Path file, List<Chart> charts) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(file, render(charts), StandardCharsets.UTF_8);
    }

    /**
     * {@return the SVG document}
     *
     * @param charts the charts
     */
    public static String render(List<Chart> charts) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n",
                W * charts.size(), H));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        for (int i = 0; i < charts.size(); i++) chart(sb, charts.get(i), i * W);
        return sb.append("</svg>\n").toString();
    }

    private static void chart(StringBuilder sb, Chart c, int x0) {
        double[] xr = range(c.series(), true, c.logX()), yr = range(c.series(), false, c.logY());
        int pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
        sb.append(String.format(Locale.ROOT, "<g transform=\"translate(%d,0)\">%n", x0));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" font-size=\"13\">%s</text>%n", W / 2, esc(c.title())));
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n", LEFT, TOP, pw, ph));
        for (double t : ticks(xr, c.logX())) {
            double px = LEFT + pw * frac(t, xr, c.logX());
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", px, TOP, px, TOP + ph, px, TOP + ph + 14, num(t)));
        }
        for (double t : ticks(yr, c.logY())) {
            double py = TOP + ph * (1 - frac(t, yr, c.logY()));
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT, py, LEFT + pw, py, LEFT - 4, py + 4, num(t)));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", LEFT + pw / 2, H - 10, esc(c.xLabel())));
        sb.append(String.format(Locale.ROOT, "<text transform=\"translate(14,%d) rotate(-90)\" text-anchor=\"middle\">%s</text>%n", TOP + ph / 2, esc(c.yLabel())));
        for (int s = 0; s < c.series().size(); s++) {
            Series se = c.series().get(s);
            String color = COLORS[s % COLORS.length];
            List<String> pts = new ArrayList<>();
            for (int i = 0; i < se.x().length; i++) {
                if (Double.isNaN(se.y()[i]) || (c.logY() && se.y()[i] <= 0) || (c.logX() && se.x()[i] <= 0)) continue;
                pts.add(String.format(Locale.ROOT, "%.1f,%.1f", LEFT + pw * frac(se.x()[i], xr, c.logX()), TOP + ph * (1 - frac(se.y()[i], yr, c.logY()))));
            }
            sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n", color, String.join(" ", pts)));
            for (String p : pts) {
                String[] xy = p.split(",");
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%s\" cy=\"%s\" r=\"2.5\" fill=\"%s\"/>", xy[0], xy[1], color));
            }
            int ly = TOP + 14 + 14 * s;
            sb.append(String.format(Locale.ROOT, "%n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + 8, ly - 4, LEFT + 24, ly - 4, color, LEFT + 28, ly, esc(se.name())));
        }
        sb.append("</g>\n");
    }

    private static double[] range(List<Series> series, boolean xAxis, boolean log) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double v : xAxis ? s.x() : s.y()) {
                if (Double.isNaN(v) || Double.isInfinite(v) || (log && v <= 0)) continue;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (lo > hi) return new double[] {log ? 1 : 0, log ? 10 : 1};
        if (lo == hi) return log ? new double[] {lo / 2, hi * 2} : new double[] {lo - 0.5, hi + 0.5};
        if (!log && !xAxis && lo > 0 && lo < (hi - lo)) lo = 0;   // start bars of positive data at zero when that is nearby
        return new double[] {lo, hi};
    }

    private static double frac(double v, double[] r, boolean log) {
        return log ? (Math.log(v) - Math.log(r[0])) / (Math.log(r[1]) - Math.log(r[0])) : (v - r[0]) / (r[1] - r[0]);
    }

    private static List<Double> ticks(double[] r, boolean log) {
        List<Double> out = new ArrayList<>();
        if (log) {
            for (double t = Math.pow(10, Math.floor(Math.log10(r[0]))); t <= r[1] * 1.0001; t *= 10) {
                for (double m : new double[] {1, 2, 5}) if (t * m >= r[0] * 0.9999 && t * m <= r[1] * 1.0001) out.add(t * m);
            }
            return out;
        }
        double step = Math.pow(10, Math.floor(Math.log10((r[1] - r[0]) / 5)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if ((r[1] - r[0]) / (step * m) <= 6) {
                step *= m;
                break;
            }
        }
        for (double t = Math.ceil(r[0] / step) * step; t <= r[1] + step * 1e-9; t += step) out.add(Math.abs(t) < step * 1e-9 ? 0 : t);
        return out;
    }

    private static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) return Long.toString((long) v);
        return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? String.format(Locale.ROOT, "%.1e", v) : String.format(Locale.ROOT, "%.3g", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
