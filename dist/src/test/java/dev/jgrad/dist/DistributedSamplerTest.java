package dev.jgrad.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.data.Dataset;
import dev.jgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class DistributedSamplerTest {
    private static final Dataset TEN = Dataset.of(Tensor.arange(10).reshape(10, 1), Tensor.arange(10));

    @Test
    void ranksShareTheDataDisjointlyPaddedToEqualSizes() {
        DistributedSampler[] s = new DistributedSampler[3];
        TreeSet<Integer> seen = new TreeSet<>();
        int total = 0;
        for (int r = 0; r < 3; r++) {
            s[r] = new DistributedSampler(TEN, r, 3, true, 5);
            assertEquals(4, s[r].size());   // ⌈10 / 3⌉
            for (int i : s[r].indices()) seen.add(i);
            total += s[r].size();
        }
        assertEquals(12, total);
        assertEquals(10, seen.size(), "together: the whole dataset");
    }

    @Test
    void everyEpochAnotherOrderTheSameOnEveryRank() {
        DistributedSampler a = new DistributedSampler(TEN, 0, 2, true, 5), b = new DistributedSampler(TEN, 1, 2, true, 5);
        int[] e0 = a.indices();
        a.setEpoch(1);
        b.setEpoch(1);
        assertFalse(Arrays.equals(e0, a.indices()));
        int[] both = new int[10];
        for (int k = 0; k < 5; k++) {
            both[2 * k] = a.indices()[k];
            both[2 * k + 1] = b.indices()[k];
        }
        assertEquals(10, Arrays.stream(both).distinct().count(), "rank 0 and 1 split one permutation");
        a.setEpoch(0);
        assertArrayEquals(e0, a.indices(), "epoch 0 again: the same order");
        assertArrayEquals(new int[] {0, 2, 4, 6, 8}, new DistributedSampler(TEN, 0, 2, false, 5).indices());
        assertEquals(TEN.get(3).target().item(), new DistributedSampler(TEN, 1, 2, false, 5).get(1).target().item());
    }

    @Test
    void badArgumentsAreClearErrors() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistributedSampler(TEN, 2, 2, true, 0)).getMessage()
                .contains("rank must be from 0 to 1, got 2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistributedSampler(null, 0, 1, true, 0)).getMessage()
                .contains("the dataset is null"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistributedSampler(TEN, 0, 1, true, 0).setEpoch(-1)).getMessage()
                .contains("epoch must be >= 0"));
        assertThrows(IndexOutOfBoundsException.class, () -> new DistributedSampler(TEN, 0, 1, true, 0).get(10));
    }
}
