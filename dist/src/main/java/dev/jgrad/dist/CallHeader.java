package dev.jgrad.dist;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a rank is about to call, as {@value #LONGS} longs the ranks exchange before each
 * collective: the call's sequence number, kind, dtype, argument (reduce op or root) and shape.
 * If any rank's header differs, the ranks are not in step, and every rank can say how.
 */
final class CallHeader {
    static final int LONGS = 16;
    private static final int MAX_DIMS = 8;

    /** The collectives, as the header numbers them. */
    enum Call {
        ALL_REDUCE("allReduce"), BROADCAST("broadcast"), ALL_GATHER("allGather"), BARRIER("barrier"), CLOSE("close");

        final String label;

        Call(String label) {
            this.label = label;
        }
    }

    private CallHeader() {}

    static long[] of(long sequence, Call call, Tensor t, long arg) {
        long[] h = new long[LONGS];
        h[0] = sequence;
        h[1] = call.ordinal();
        h[2] = t == null ? -1 : t.dtype().ordinal();
        h[3] = arg;
        if (t != null) {
            int[] shape = t.shape();
            h[4] = shape.length;
            for (int i = 0; i < Math.min(MAX_DIMS, shape.length); i++) h[5 + i] = shape[i];
            h[13] = t.numel();
            h[14] = shape.length > MAX_DIMS ? Arrays.hashCode(Arrays.copyOfRange(shape, MAX_DIMS, shape.length)) : 0;
        }
        return h;
    }

    /** {@return the ranks whose header differs from rank 0's, or an empty list} */
    static List<Integer> disagreeing(long[] all, int size) {
        List<Integer> odd = new ArrayList<>();
        for (int r = 1; r < size; r++) {
            if (!Arrays.equals(all, r * LONGS, (r + 1) * LONGS, all, 0, LONGS)) odd.add(r);
        }
        return odd;
    }

    /**
     * {@return what every rank called, as rank {@code rank} reports it, when some rank's header
     * differs from rank 0's; null when they all agree}
     */
    static String disagreement(long[] all, int size, int rank) {
        if (disagreeing(all, size).isEmpty()) return null;
        StringBuilder sb = new StringBuilder("rank " + rank + ": the ranks called different collectives (a rank skipped a call, called "
                + "another one, or passed a tensor of another shape or dtype): ");
        for (int r = 0; r < size; r++) sb.append(r == 0 ? "" : "; ").append("rank ").append(r).append(" called ").append(describe(all, r * LONGS));
        return sb.toString();
    }

    /** "#7 allReduce(SUM) float32 [10, 3]" for the header at {@code offset}. */
    static String describe(long[] all, int offset) {
        long seq = all[offset];
        Call call = Call.values()[(int) all[offset + 1]];
        StringBuilder sb = new StringBuilder("#").append(seq).append(' ').append(call.label);
        switch (call) {
            case ALL_REDUCE -> sb.append('(').append(ReduceOp.values()[(int) all[offset + 3]]).append(')');
            case BROADCAST -> sb.append("(root ").append(all[offset + 3]).append(')');
            default -> sb.append("()");
        }
        if (all[offset + 2] >= 0) {
            sb.append(' ').append(DType.values()[(int) all[offset + 2]].toString().toLowerCase(java.util.Locale.ROOT)).append(" [");
            int dims = (int) all[offset + 4];
            for (int i = 0; i < Math.min(dims, MAX_DIMS); i++) sb.append(i > 0 ? ", " : "").append(all[offset + 5 + i]);
            if (dims > MAX_DIMS) sb.append(", …");
            sb.append(']');
        }
        return sb.toString();
    }
}
