package dev.jgrad.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * The middle and the spread of a set of measurements: median, 10th and 90th percentile, minimum
 * and maximum. A benchmark reports the median and says how far the samples scattered, so that a
 * reader can tell a real difference from noise on a shared machine.
 *
 * <pre>{@code
 * Spread s = Spread.of(new double[] {1.0, 1.1, 0.9, 1.0, 3.0});
 * s.median();            // 1.0
 * s.relativeWidth();     // (p90 - p10) / median
 * }</pre>
 *
 * @param median the median (mean of the middle two for an even count)
 * @param p10    the 10th percentile (linear interpolation between order statistics)
 * @param p90    the 90th percentile
 * @param min    the smallest value
 * @param max    the largest value
 * @param count  how many values (0: all fields NaN)
 */
public record Spread(double median, double p10, double p90, double min, double max, int count) {

    /** No measurement. */
    public static final Spread NONE = new Spread(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);

    /**
     * The spread of {@code values}; NaN values are left out.
     *
     * @param values the measurements (not changed)
     * @return their spread, {@link #NONE} when there are none
     */
    public static Spread of(double... values) {
        double[] v = Arrays.stream(values).filter(d -> !Double.isNaN(d)).sorted().toArray();
        int n = v.length;
        if (n == 0) return NONE;
        return new Spread(quantile(v, 0.5), quantile(v, 0.1), quantile(v, 0.9), v[0], v[n - 1], n);
    }

    /**
     * The {@code q} quantile of sorted values, interpolating linearly between neighbours (the
     * median of an even count is the mean of the middle two).
     *
     * @param sorted ascending values, at least one
     * @param q      in [0, 1]
     * @return the quantile
     */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /** {@return (p90 − p10) / median: how widely the middle 80% scattered, relative to the median; NaN without values} */
    public double relativeWidth() {
        return (p90 - p10) / median;
    }

    /** {@return (max − min) / median: the full range relative to the median (for a few values, such as per-round ratios)} */
    public double relativeRange() {
        return (max - min) / median;
    }

    /** {@return "p10–p90" of times, e.g. "5.61–5.90 µs", or "" without values} */
    public String timeRange() {
        if (count == 0) return "";
        return Report.formatTime(p10) + "–" + Report.formatTime(p90);
    }

    /** {@return "±2.5%": half the p10–p90 width relative to the median, or "" without values} */
    public String plusMinus() {
        if (count == 0 || Double.isNaN(relativeWidth()) || Double.isInfinite(relativeWidth())) return "";
        double pct = 50 * relativeWidth();
        return String.format(Locale.ROOT, pct < 10 ? "±%.1f%%" : "±%.0f%%", pct);
    }
}
