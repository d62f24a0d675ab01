package dev.jgrad.kernels.typed;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.ref.SortRef;
import dev.jgrad.kernels.simd.SortVec;
import java.util.Arrays;

/**
 * Fast float32 sort and top-k over rows, multi-threaded over rows; the float32 counterparts of
 * {@link SortRef}, with the same order (NaN largest, −0.0 equal to 0.0, stable in both
 * directions).
 *
 * <p>Each float becomes an int key whose signed order is the sort order ({@link #key}), and each
 * element a long {@code key << 32 | position}, so sorting the longs sorts the row and keeps
 * equal elements in their order. A row is sorted by a least-significant-digit radix sort of its
 * keys (three passes of 11, 11 and 10 bits; a pass where every key has the same digit is
 * skipped). Top-k collects the entries whose keys lie below a bound (skipping the rest a vector
 * at a time), cuts them back to the best k by quickselect, then sorts those k; the bound starts
 * from what the previous row needed (see {@link #select}). A k near n sorts the whole row instead.
 *
 * <pre>{@code
 * // the 10 largest of each of 4096 rows of 50257 logits, best first
 * SortF32.topk(4096, 50257, 10, logits, 0, values, 0, indices, 0, true);
 * }</pre>
 */
public final class SortF32 {
    private SortF32() {}

    /** Rows shorter than this sort their longs with {@link Arrays#sort}: the radix histograms would cost more than the row. */
    static final int RADIX_MIN = 256;

    private static final int DIGIT = 11, BUCKETS = 1 << DIGIT;

    /**
     * The order key of f: an int whose signed order is the sort order of floats, −0.0 mapped to
     * 0.0's key and every NaN to {@link Integer#MAX_VALUE}, above +∞'s. (Negative floats have
     * their magnitude bits flipped, so a larger magnitude gives a smaller key.)
     *
     * @param f the float
     * @return its order key
     */
    public static int key(float f) {
        if (f != f) return Integer.MAX_VALUE;
        int b = Float.floatToRawIntBits(f + 0f);   // −0.0 + 0.0 = +0.0
        return b ^ ((b >> 31) & 0x7FFFFFFF);
    }

    /** Per-thread scratch of one row, and the selection hint carried from row to row. */
    private static final class Row {
        final int[] keys;
        final long[] a, b;
        final int[] hist = new int[3 * BUCKETS];
        /** Candidates of top-k: room for 4k (at least 256) entries before they are cut back to the best k. */
        final long[] candidates;
        /** A key the (k + margin)-th best of the previous row had: likely a little above this row's k-th. */
        int hint;
        boolean hasHint;

        Row(int n, int k) {
            keys = new int[n];
            a = new long[n];
            b = new long[n];
            candidates = new long[Math.min(n, Math.max(4 * k, 256))];
        }
    }

    /**
     * Sorts {@code rows} rows of n contiguous floats (row r of x at {@code xOff + r·n}) into values
     * (at {@code vOff + r·n}) and their source positions into indices (at {@code iOff + r·n}).
     *
     * @param rows       number of rows
     * @param n          elements per row
     * @param x          the input
     * @param xOff       index in {@code x} of row 0
     * @param values     receives each row sorted
     * @param vOff       index in {@code values} of row 0
     * @param indices    receives the position in its row of each sorted element
     * @param iOff       index in {@code indices} of row 0
     * @param descending largest first instead of smallest first
     */
    public static void sort(int rows, int n, float[] x, int xOff, float[] values, int vOff, long[] indices, int iOff, boolean descending) {
        topk(rows, n, n, x, xOff, values, vOff, indices, iOff, descending);
    }

    /**
     * The k first elements of each row in sort order (descending when {@code largest}): values
     * row r at {@code vOff + r·k}, positions at {@code iOff + r·k}; among equal elements the
     * earlier position comes first.
     *
     * @param rows    number of rows
     * @param n       elements per row
     * @param k       elements kept per row, at most {@code n}
     * @param x       the input
     * @param xOff    index in {@code x} of row 0
     * @param values  receives each row's first k elements in order
     * @param vOff    index in {@code values} of row 0
     * @param indices receives the position in its row of each element kept
     * @param iOff    index in {@code indices} of row 0
     * @param largest keep the largest k (best first) instead of the smallest k
     */
    public static void topk(int rows, int n, int k, float[] x, int xOff, float[] values, int vOff, long[] indices, int iOff, boolean largest) {
        if (rows == 0 || k == 0) return;
        boolean simd = Simd.enabled();
        boolean select = (long) k * 8 < n;   // few winners: select them; else sort the row
        Parallel.forRange(rows, (long) rows * n * (select ? 4 : 16), (from, to) -> {
            Row s = new Row(n, k);
            for (int r = from; r < to; r++) {
                int o = xOff + r * n;
                if (simd) SortVec.keys(x, o, n, s.keys, largest);
                else keys(x, o, n, s.keys, largest);
                long[] sorted;
                if (select) {
                    select(s, n, k, simd);
                    Arrays.sort(s.candidates, 0, k);
                    sorted = s.candidates;
                } else {
                    sorted = sortKeys(s, n);
                }
                int vo = vOff + r * k, io = iOff + r * k;
                for (int j = 0; j < k; j++) {
                    int src = (int) sorted[j];
                    values[vo + j] = x[o + src];
                    indices[io + j] = src;
                }
            }
        });
    }

    private static void keys(float[] x, int o, int n, int[] keys, boolean descending) {
        for (int j = 0; j < n; j++) keys[j] = descending ? ~key(x[o + j]) : key(x[o + j]);
    }

    /** key &lt;&lt; 32 | position: signed long order = key order, then position order. */
    private static long entry(int key, int position) {
        return (long) key << 32 | position;
    }

    /** The row's entries in ascending order (in s.a or s.b, whichever the last pass wrote). */
    private static long[] sortKeys(Row s, int n) {
        int[] keys = s.keys;
        long[] a = s.a, b = s.b;
        if (n < RADIX_MIN) {
            for (int j = 0; j < n; j++) a[j] = entry(keys[j], j);
            Arrays.sort(a, 0, n);
            return a;
        }
        int[] h = s.hist;
        Arrays.fill(h, 0);
        for (int j = 0; j < n; j++) {
            int u = keys[j] ^ Integer.MIN_VALUE;   // unsigned digits in the order of the signed keys
            a[j] = entry(keys[j], j);
            h[u & (BUCKETS - 1)]++;
            h[BUCKETS + ((u >>> DIGIT) & (BUCKETS - 1))]++;
            h[2 * BUCKETS + (u >>> (2 * DIGIT))]++;
        }
        long[] src = a, dst = b;
        for (int p = 0; p < 3; p++) {
            int base = p * BUCKETS, shift = 32 + p * DIGIT;
            if (skippable(h, base, n)) continue;
            for (int d = 0, sum = 0; d < BUCKETS; d++) {
                int c = h[base + d];
                h[base + d] = sum;
                sum += c;
            }
            int mask = p == 2 ? (1 << (32 - 2 * DIGIT)) - 1 : BUCKETS - 1;
            for (int j = 0; j < n; j++) {
                long e = src[j];
                int digit = (int) ((e ^ Long.MIN_VALUE) >>> shift) & mask;
                dst[h[base + digit]++] = e;
            }
            long[] t = src;
            src = dst;
            dst = t;
        }
        return src;
    }

    /** True when one digit value holds every key: the pass would not move anything. */
    private static boolean skippable(int[] h, int base, int n) {
        for (int d = 0; d < BUCKETS; d++) {
            int c = h[base + d];
            if (c != 0) return c == n;
        }
        return true;
    }

    /**
     * The k smallest entries of the row into s.candidates[0, k), in any order. Only keys below a
     * bound can be among them, so the scan collects those (skipping the rest a vector at a time)
     * and, whenever the buffer fills, cuts it back to its best k and lowers the bound to the
     * worst of them. The first bound is the previous row's hint when there is one: rows of one
     * tensor tend to look alike, and a bound a little above the k-th key leaves few candidates
     * (each costs branch mispredictions in the selection). A hint that proves too tight (fewer
     * than k keys below it) is dropped and the row scanned again without one.
     */
    private static void select(Row s, int n, int k, boolean simd) {
        int[] keys = s.keys;
        long[] buf = s.candidates;
        int margin = k / 4 + 8, count = -1;
        if (s.hasHint) count = collect(keys, 0, n, k, buf, 0, s.hint, simd);
        if (count < k) {
            int fill = Math.min(buf.length, n);
            for (int j = 0; j < fill; j++) buf[j] = entry(keys[j], j);
            count = fill;
            if (fill < n) {
                selectSmallest(buf, fill, k);
                count = collect(keys, fill, n, k, buf, k, worstKey(buf, k), simd);
            }
        }
        // the next row's hint: the (k + margin)-th best key here, or the hint that just worked
        if (count >= k + margin) {
            selectSmallest(buf, count, k + margin);
            s.hint = worstKey(buf, k + margin);
            s.hasHint = true;
            count = k + margin;
        }
        selectSmallest(buf, count, k);
    }

    /**
     * Appends to buf[count, …) the entries of keys[from, n) below {@code bound}, cutting the
     * buffer back to its k smallest (and the bound to the worst of them) whenever it fills;
     * returns the final count. An entry equal to the bound is never wanted: its position is
     * later than those kept with that key.
     */
    private static int collect(int[] keys, int from, int n, int k, long[] buf, int count, int bound, boolean simd) {
        for (int j = from; ; j++) {
            j = simd ? SortVec.firstBelow(keys, j, n, bound) : firstBelow(keys, j, n, bound);
            if (j >= n) return count;
            buf[count++] = entry(keys[j], j);
            if (count == buf.length) {
                selectSmallest(buf, count, k);
                count = k;
                bound = worstKey(buf, k);
            }
        }
    }

    /** The key of the largest of a[0, k). */
    private static int worstKey(long[] a, int k) {
        long m = a[0];
        for (int i = 1; i < k; i++) m = Math.max(m, a[i]);
        return (int) (m >> 32);
    }

    /** Rearranges a[0, n) so that a[0, k) holds its k smallest, in any order (quickselect; the entries are distinct). */
    static void selectSmallest(long[] a, int n, int k) {
        if (k >= n) return;
        int lo = 0, hi = n - 1, target = k - 1;
        while (lo < hi) {
            long x = a[lo], y = a[(lo + hi) >>> 1], z = a[hi];
            long pivot = x < y ? (y < z ? y : Math.max(x, z)) : (x < z ? x : Math.max(y, z));   // median of three
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) {
                    long t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else return;
        }
    }

    private static int firstBelow(int[] keys, int from, int n, int bound) {
        for (int j = from; j < n; j++) if (keys[j] < bound) return j;
        return n;
    }
}
