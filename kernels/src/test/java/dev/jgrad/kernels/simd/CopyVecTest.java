package dev.jgrad.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.kernels.Simd;
import org.junit.jupiter.api.Test;

/** {@link CopyVec#copyRowsPadded} against the plain loop: rows copied, their rest zeroed, nothing else touched. */
class CopyVecTest {
    @Test
    void paddedRowsAreTheRowThenZerosAndNothingBeyond() {
        assumeTrue(Simd.enabled(), "the Vector API module is not readable");
        int l = CopyVec.L;
        for (int width : new int[] {1, 14, l, l + 1, 2 * l + 1}) {
            for (int dstStride : new int[] {width, width + 1, width + l + 3}) {
                int rows = 3, srcStride = width + 2, dstOff = 5, srcOff = 1;
                float[] src = new float[srcOff + rows * srcStride];
                for (int i = 0; i < src.length; i++) src[i] = i + 1;
                float[] got = new float[dstOff + rows * dstStride + 2 * l], want = new float[got.length];
                java.util.Arrays.fill(got, -7f);
                java.util.Arrays.fill(want, -7f);
                for (int r = 0; r < rows; r++)
                    for (int q = 0; q < dstStride; q++) {
                        want[dstOff + r * dstStride + q] = q < width ? src[srcOff + r * srcStride + q] : 0f;
                    }
                CopyVec.copyRowsPadded(src, srcOff, srcStride, got, dstOff, dstStride, rows, width);
                assertArrayEquals(want, got, "width " + width + ", destination stride " + dstStride);
            }
        }
    }
}
