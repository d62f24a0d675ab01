package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Batch augmentations and DataLoader.map. */
class AugmentTest {
    /** Two 1-channel 3x3 images with distinct pixels 1..9 and 11..19. */
    private static Batch batch() {
        float[] v = new float[18];
        for (int i = 0; i < 9; i++) {
            v[i] = i + 1;
            v[9 + i] = i + 11;
        }
        return new Batch(Tensor.of(v, 2, 1, 3, 3), Tensor.of(new long[] {4, 7}));
    }

    @Test
    void shiftMovesPixelsAndFillsZeros() {
        Batch out = Augment.randomShift(1, 3).apply(batch());
        assertArrayEquals(new int[] {2, 1, 3, 3}, out.inputs().shape());
        assertArrayEquals(new long[] {4, 7}, out.targets().toLongArray());
        float[] in = batch().inputs().toFloatArray(), got = out.inputs().toFloatArray();
        for (int n = 0; n < 2; n++) {
            // every output pixel is 0 or the input pixel one step away (the same shift for the whole image)
            boolean matched = false;
            for (int dy = -1; dy <= 1 && !matched; dy++) {
                for (int dx = -1; dx <= 1 && !matched; dx++) {
                    boolean ok = true;
                    for (int y = 0; y < 3 && ok; y++) {
                        for (int x = 0; x < 3 && ok; x++) {
                            int sy = y + dy, sx = x + dx;
                            float want = sy < 0 || sy > 2 || sx < 0 || sx > 2 ? 0 : in[n * 9 + sy * 3 + sx];
                            ok = got[n * 9 + y * 3 + x] == want;
                        }
                    }
                    matched = ok;
                }
            }
            assertTrue(matched, "image " + n + " is a shifted copy of its input");
        }
    }

    @Test
    void sameSeedSameShifts() {
        assertArrayEquals(Augment.randomShift(1, 9).apply(batch()).inputs().toFloatArray(),
                Augment.randomShift(1, 9).apply(batch()).inputs().toFloatArray());
        assertArrayEquals(batch().inputs().toFloatArray(), Augment.randomShift(0, 9).apply(batch()).inputs().toFloatArray(),
                "a zero shift is the identity");
    }

    @Test
    void flipWithProbabilityOneMirrorsRows() {
        Batch out = Augment.randomHorizontalFlip(1, 0).apply(batch());
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4, 9, 8, 7}, out.inputs().select(0, 0).reshape(-1).toFloatArray());
        assertArrayEquals(batch().inputs().toFloatArray(), Augment.randomHorizontalFlip(0, 0).apply(batch()).inputs().toFloatArray());
    }

    @Test
    void rejectsNonImageBatchesAndBadArguments() {
        Batch flat = new Batch(Tensor.zeros(2, 9), Tensor.zeros(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Augment.randomShift(1, 0).apply(flat));
        assertTrue(e.getMessage().contains("randomShift") && e.getMessage().contains("[2, 9]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Augment.randomShift(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> Augment.randomHorizontalFlip(1.5, 0));
    }

    @Test
    void loaderAppliesTransformsInOrder() {
        Dataset ds = Dataset.of(Tensor.arange(6).reshape(6, 1), Tensor.arange(6));
        DataLoader loader = new DataLoader(ds, 3, false, 0)
                .map(b -> new Batch(b.inputs().add(1), b.targets()))
                .map(b -> new Batch(b.inputs().mul(10), b.targets()));
        List<Long> seen = new ArrayList<>();
        for (Batch b : loader) for (long v : b.inputs().toLongArray()) seen.add(v);
        assertEquals(List.of(10L, 20L, 30L, 40L, 50L, 60L), seen);
    }
}
