package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float blocks transposed in vector registers: the step where a kernel needs the other layout of
 * a matrix (a convolution's dy as rows of channels, SGEMM's B stored transposed) and a gather per
 * vector, or a scalar loop, would take two to three times as long. Only for 512-bit vectors
 * ({@link #fits}); callers keep their other path for the rest. Loaded only when
 * {@link Simd#enabled()}.
 *
 * <pre>{@code
 * if (TransposeVec.fits(lanes)) TransposeVec.block16(a, rowStart, rowStride, d, 0, 16);
 * }</pre>
 */
public final class TransposeVec {
    /** The species of {@link #block16}: 16 floats, 512 bits. */
    static final VectorSpecies<Float> S16 = FloatVector.SPECIES_512;
    /**
     * Lane indices of the four steps of {@link #block16} (half-widths 8, 4, 2, 1): with v1 and
     * v2 two rows h apart, LO takes lane l of v1 where bit h of l is clear and lane l − h of v2
     * where it is set; HI takes lane l + h of v1 and lane l of v2 (indices 16 and up pick v2).
     */
    private static final FloatVector[] LO = new FloatVector[4], HI = new FloatVector[4];

    static {
        int step = 0;
        for (int h = 8; h >= 1; h >>= 1, step++) {
            float[] lo = new float[16], hi = new float[16];
            for (int l = 0; l < 16; l++) {
                boolean upper = (l & h) != 0;
                lo[l] = upper ? 16 + l - h : l;
                hi[l] = upper ? 16 + l : l + h;
            }
            LO[step] = FloatVector.fromArray(S16, lo, 0);
            HI[step] = FloatVector.fromArray(S16, hi, 0);
        }
    }

    private TransposeVec() {}

    /** {@return whether {@link #block16} serves kernels whose vectors have {@code lanes} floats} */
    public static boolean fits(int lanes) {
        return lanes == 16;
    }

    /**
     * d[dr + i·ld + r] = a[ar + r·len + i] for r, i &lt; 16: the 16×16 block whose row r starts at
     * ar + r·len, transposed in registers by four steps that each pair rows h apart (h = 8, 4, 2,
     * 1) with two-vector lane selections ({@code selectFrom}, one permute instruction each).
     * Written out, as the micro-kernels are: vectors kept in an array would be boxed.
     *
     * @param a   the source
     * @param ar  where the block's first row starts
     * @param len the source's row stride
     * @param d   the destination
     * @param dr  where the transposed block's first row goes
     * @param ld  the destination's row stride
     */
    public static void block16(float[] a, int ar, int len, float[] d, int dr, int ld) {
        FloatVector r0 = FloatVector.fromArray(S16, a, ar), r1 = FloatVector.fromArray(S16, a, ar + len), r2 = FloatVector.fromArray(S16, a, ar + 2 * len), r3 = FloatVector.fromArray(S16, a, ar + 3 * len);
        FloatVector r4 = FloatVector.fromArray(S16, a, ar + 4 * len), r5 = FloatVector.fromArray(S16, a, ar + 5 * len), r6 = FloatVector.fromArray(S16, a, ar + 6 * len), r7 = FloatVector.fromArray(S16, a, ar + 7 * len);
        FloatVector r8 = FloatVector.fromArray(S16, a, ar + 8 * len), r9 = FloatVector.fromArray(S16, a, ar + 9 * len), r10 = FloatVector.fromArray(S16, a, ar + 10 * len), r11 = FloatVector.fromArray(S16, a, ar + 11 * len);
        FloatVector r12 = FloatVector.fromArray(S16, a, ar + 12 * len), r13 = FloatVector.fromArray(S16, a, ar + 13 * len), r14 = FloatVector.fromArray(S16, a, ar + 14 * len), r15 = FloatVector.fromArray(S16, a, ar + 15 * len);
        FloatVector t0,t1,t2,t3,t4,t5,t6,t7,t8,t9,t10,t11,t12,t13,t14,t15;
        // h = 8
        FloatVector lo = LO[0], hi = HI[0];
        t0 = lo.selectFrom(r0, r8); t8 = hi.selectFrom(r0, r8);
        t1 = lo.selectFrom(r1, r9); t9 = hi.selectFrom(r1, r9);
        t2 = lo.selectFrom(r2, r10); t10 = hi.selectFrom(r2, r10);
        t3 = lo.selectFrom(r3, r11); t11 = hi.selectFrom(r3, r11);
        t4 = lo.selectFrom(r4, r12); t12 = hi.selectFrom(r4, r12);
        t5 = lo.selectFrom(r5, r13); t13 = hi.selectFrom(r5, r13);
        t6 = lo.selectFrom(r6, r14); t14 = hi.selectFrom(r6, r14);
        t7 = lo.selectFrom(r7, r15); t15 = hi.selectFrom(r7, r15);
        // h = 4
        lo = LO[1]; hi = HI[1];
        r0 = lo.selectFrom(t0, t4); r4 = hi.selectFrom(t0, t4);
        r1 = lo.selectFrom(t1, t5); r5 = hi.selectFrom(t1, t5);
        r2 = lo.selectFrom(t2, t6); r6 = hi.selectFrom(t2, t6);
        r3 = lo.selectFrom(t3, t7); r7 = hi.selectFrom(t3, t7);
        r8 = lo.selectFrom(t8, t12); r12 = hi.selectFrom(t8, t12);
        r9 = lo.selectFrom(t9, t13); r13 = hi.selectFrom(t9, t13);
        r10 = lo.selectFrom(t10, t14); r14 = hi.selectFrom(t10, t14);
        r11 = lo.selectFrom(t11, t15); r15 = hi.selectFrom(t11, t15);
        // h = 2
        lo = LO[2]; hi = HI[2];
        t0 = lo.selectFrom(r0, r2); t2 = hi.selectFrom(r0, r2);
        t1 = lo.selectFrom(r1, r3); t3 = hi.selectFrom(r1, r3);
        t4 = lo.selectFrom(r4, r6); t6 = hi.selectFrom(r4, r6);
        t5 = lo.selectFrom(r5, r7); t7 = hi.selectFrom(r5, r7);
        t8 = lo.selectFrom(r8, r10); t10 = hi.selectFrom(r8, r10);
        t9 = lo.selectFrom(r9, r11); t11 = hi.selectFrom(r9, r11);
        t12 = lo.selectFrom(r12, r14); t14 = hi.selectFrom(r12, r14);
        t13 = lo.selectFrom(r13, r15); t15 = hi.selectFrom(r13, r15);
        // h = 1
        lo = LO[3]; hi = HI[3];
        r0 = lo.selectFrom(t0, t1); r1 = hi.selectFrom(t0, t1);
        r2 = lo.selectFrom(t2, t3); r3 = hi.selectFrom(t2, t3);
        r4 = lo.selectFrom(t4, t5); r5 = hi.selectFrom(t4, t5);
        r6 = lo.selectFrom(t6, t7); r7 = hi.selectFrom(t6, t7);
        r8 = lo.selectFrom(t8, t9); r9 = hi.selectFrom(t8, t9);
        r10 = lo.selectFrom(t10, t11); r11 = hi.selectFrom(t10, t11);
        r12 = lo.selectFrom(t12, t13); r13 = hi.selectFrom(t12, t13);
        r14 = lo.selectFrom(t14, t15); r15 = hi.selectFrom(t14, t15);
        r0.intoArray(d, dr); r1.intoArray(d, dr + ld); r2.intoArray(d, dr + 2 * ld); r3.intoArray(d, dr + 3 * ld);
        r4.intoArray(d, dr + 4 * ld); r5.intoArray(d, dr + 5 * ld); r6.intoArray(d, dr + 6 * ld); r7.intoArray(d, dr + 7 * ld);
        r8.intoArray(d, dr + 8 * ld); r9.intoArray(d, dr + 9 * ld); r10.intoArray(d, dr + 10 * ld); r11.intoArray(d, dr + 11 * ld);
        r12.intoArray(d, dr + 12 * ld); r13.intoArray(d, dr + 13 * ld); r14.intoArray(d, dr + 14 * ld); r15.intoArray(d, dr + 15 * ld);
    }
}
