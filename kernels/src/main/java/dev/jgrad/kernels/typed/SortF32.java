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
 * skipped). Top-k keeps a max-heap of the k best longs while it scans the row; the scan skips, a
 * vector at a time, the keys that cannot enter the heap (most of them, past the first few
 * hundred), then sorts the heap. A k near n sorts the whole row instead.
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
     */
    public static int key(float f) {
        if (f != f) return Integer.MAX_VALUE;
        int b = Float.floatToRawIntBits(f + 0f);   // −0.0 + 0.0 = +0.0
        return b ^ ((b >> 31) & 0x7FFFFFFF);
    }

    /** Per-thread scratch of one row. */
    private static final class Row {
        final int[] keys;
        final long[] a, b;
        final int[] hist = new int[3 * BUCKETS];

        Row(int n, int heap) {
            keys = new int[n];
            a = new long[Math.max(n, heap)];
            b = new long[n];
        }
    }

    /**
     * Sorts {@code rows} rows of n contiguous floats (row r of x at {@code xOff + r·n}) into values
     * (at {@code vOff + r·n}) and their source positions into indices (at {@code iOff + r·n}).
     */
    public static void sort(int rows, int n, float[] x, int xOff, float[] values, int vOff, long[] indices, int iOff, boolean descending) {
        topk(rows, n, n, x, xOff, values, vOff, indices, iOff, descending);
    }

    /**
     * The k first elements of each row in sort order (descending when {@code largest}): values
     * row r at {@code vOff + r·k}, positions at {@code iOff + r·k}; among equal elements the
     * earlier position comes first.
     */
    public static void topk(int rows, int n, int k, float[] x, int xOff, float[] values, int vOff, long[] indices, int iOff, boolean largest) {
        if (rows == 0 || k == 0) return;
        boolean simd = Simd.enabled();
        boolean heap = (long) k * 8 < n;   // few winners: select with a heap; else sort the row
        Parallel.forRange(rows, (long) rows * n * (heap ? 4 : 16), (from, to) -> {
            Row s = new Row(n, k);
            for (int r = from; r < to; r++) {
                int o = xOff + r * n;
                if (simd) SortVec.keys(x, o, n, s.keys, largest);
                else keys(x, o, n, s.keys, largest);
                long[] sorted;
                if (heap) {
                    select(s.keys, n, k, s.a, simd);
                    Arrays.sort(s.a, 0, k);
                    sorted = s.a;
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

    /** The k smallest entries of the row into heap[0, k), as a max-heap (heap[0] the worst kept). */
    private static void select(int[] keys, int n, int k, long[] heap, boolean simd) {
        for (int j = 0; j < k; j++) heap[j] = entry(keys[j], j);
        for (int i = k / 2 - 1; i >= 0; i--) siftDown(heap, i, k);
        int bound = (int) (heap[0] >> 32);
        // a key equal to the worst kept one loses: its position is later
        for (int j = k; ; j++) {
            j = simd ? SortVec.firstBelow(keys, j, n, bound) : firstBelow(keys, j, n, bound);
            if (j >= n) break;
            heap[0] = entry(keys[j], j);
            siftDown(heap, 0, k);
            bound = (int) (heap[0] >> 32);
        }
    }

    private static int firstBelow(int[] keys, int from, int n, int bound) {
        for (int j = from; j < n; j++) if (keys[j] < bound) return j;
        return n;
    }

    private static void siftDown(long[] heap, int i, int size) {
        long e = heap[i];
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) break;
            if (c + 1 < size && heap[c + 1] > heap[c]) c++;
            if (heap[c] <= e) break;
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = e;
    }
}
