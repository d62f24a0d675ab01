package dev.jgrad.kernels.ref;

import dev.jgrad.kernels.Buf;

/**
 * Reference sort and top-k over rows, for every dtype: a stable merge sort of each row's
 * positions. The order is PyTorch's: NaN is larger than every number (so it comes last
 * ascending and first descending), −0.0 equals 0.0, and equal elements keep their order (in
 * both directions), which is {@code torch.sort(stable=True)}. Integer and bool rows compare
 * exactly as longs.
 *
 * <pre>{@code
 * // two rows of three: values [[1, 2, 3], [0, 5, 9]] and where each came from
 * SortRef.sort(2, 3, x, 0, values, 0, indices, 0, false);
 * }</pre>
 */
public final class SortRef {
    private SortRef() {}

    /**
     * Sorts {@code rows} rows of n contiguous elements (row r of x at {@code xOff + r·n}) into
     * values (row r at {@code vOff + r·n}) and the source positions into indices (at
     * {@code iOff + r·n}); descending when asked, stable either way.
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
    public static void sort(int rows, int n, Buf x, int xOff, Buf values, int vOff, long[] indices, int iOff, boolean descending) {
        topk(rows, n, n, x, xOff, values, vOff, indices, iOff, descending);
    }

    /**
     * The first {@code k} of each row in the order {@link #sort} gives (descending when
     * {@code largest}): values row r at {@code vOff + r·k}, indices at {@code iOff + r·k}. Among
     * equal elements the earlier position comes first.
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
    public static void topk(int rows, int n, int k, Buf x, int xOff, Buf values, int vOff, long[] indices, int iOff, boolean largest) {
        int[] perm = new int[n], tmp = new int[n];
        for (int r = 0; r < rows; r++) {
            int o = xOff + r * n;
            for (int j = 0; j < n; j++) perm[j] = j;
            mergeSort(perm, tmp, 0, n, x, o, largest);
            for (int j = 0; j < k; j++) {
                int src = o + perm[j];
                if (x.integral()) values.setLong(vOff + r * k + j, x.getLong(src));
                else values.set(vOff + r * k + j, x.get(src));
                indices[iOff + r * k + j] = perm[j];
            }
        }
    }

    /**
     * The order of two elements: negative when a sorts before b (ascending), with NaN largest
     * and −0.0 equal to 0.0 (what {@code <} and {@code ==} give, plus the NaN rule).
     *
     * @param a the first element
     * @param b the second element
     * @return negative, zero or positive as a sorts before, with or after b
     */
    public static int compare(double a, double b) {
        if (a < b) return -1;
        if (a > b) return 1;
        if (a == b) return 0;
        boolean na = Double.isNaN(a), nb = Double.isNaN(b);
        return na == nb ? 0 : na ? 1 : -1;
    }

    /** Stable merge sort of perm[from, to) by the elements they point to in row {@code o}. */
    private static void mergeSort(int[] perm, int[] tmp, int from, int to, Buf x, int o, boolean descending) {
        if (to - from < 2) return;
        int mid = (from + to) >>> 1;
        mergeSort(perm, tmp, from, mid, x, o, descending);
        mergeSort(perm, tmp, mid, to, x, o, descending);
        int i = from, j = mid, t = from;
        while (i < mid && j < to) {
            // take from the right half only when strictly before: equal elements keep their order
            if (before(x, o + perm[j], o + perm[i], descending)) tmp[t++] = perm[j++];
            else tmp[t++] = perm[i++];
        }
        while (i < mid) tmp[t++] = perm[i++];
        while (j < to) tmp[t++] = perm[j++];
        System.arraycopy(tmp, from, perm, from, to - from);
    }

    private static boolean before(Buf x, int a, int b, boolean descending) {
        int c = x.integral() ? Long.compare(x.getLong(a), x.getLong(b)) : compare(x.get(a), x.get(b));
        return descending ? c > 0 : c < 0;
    }
}
