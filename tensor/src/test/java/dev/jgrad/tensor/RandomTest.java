package dev.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** rand, randn and randint: reproducible from a seed, with the right distributions. */
class RandomTest {

    @Test
    void generatorIsSplitMix64() {
        // reference outputs of SplitMix64 from state 0 (Vigna's splitmix64.c)
        Generator g = new Generator(0);
        assertEquals(0xE220A8397B1DCDAFL, g.nextLong());
        assertEquals(0x6E789E6AA1B965F4L, g.nextLong());
        assertEquals(0x06C45D188009454FL, g.nextLong());
        assertEquals(0.7415648787718233, new Generator(42).nextDouble(), 0);
    }

    @Test
    void sameSeedSameTensors() {
        assertArrayEquals(Tensor.randn(new Generator(7), 3, 4).toFloatArray(), Tensor.randn(new Generator(7), 3, 4).toFloatArray());
        assertArrayEquals(Tensor.rand(new Generator(7), 5).toFloatArray(), Tensor.rand(new Generator(7), 5).toFloatArray());
        assertArrayEquals(Tensor.randint(new Generator(7), -3, 3, 6).toLongArray(),
                Tensor.randint(new Generator(7), -3, 3, 6).toLongArray());
        assertFalse(Arrays.equals(Tensor.randn(new Generator(7), 8).toFloatArray(), Tensor.randn(new Generator(8), 8).toFloatArray()));
    }

    @Test
    void manualSeedRestartsTheSequence() {
        Generator g = new Generator(1);
        float[] first = Tensor.randn(g, 5).toFloatArray();
        float[] second = Tensor.randn(g, 5).toFloatArray();
        assertFalse(Arrays.equals(first, second));
        g.manualSeed(1);
        assertArrayEquals(first, Tensor.randn(g, 5).toFloatArray());
    }

    @Test
    void aSavedStateContinuesTheSequenceIncludingTheKeptNormal() {
        Generator g = new Generator(3);
        g.nextGaussian();   // draws a pair and keeps the second value
        long[] saved = g.getState();
        assertFalse(Double.isNaN(Double.longBitsToDouble(saved[1])), "a normal value is kept");
        double[] ahead = {g.nextGaussian(), g.nextGaussian(), g.nextDouble(), g.nextLong()};
        Generator other = new Generator(99).setState(saved);
        assertArrayEquals(ahead, new double[] {other.nextGaussian(), other.nextGaussian(), other.nextDouble(), other.nextLong()});
        long[] copy = other.getState();
        copy[0] = 0;   // the array is a copy
        assertFalse(Arrays.equals(copy, other.getState()));

        Generator fresh = new Generator(5);
        assertTrue(Double.isNaN(Double.longBitsToDouble(fresh.getState()[1])), "nothing kept yet");
        assertEquals(5, fresh.getState()[0]);
        assertThrows(IllegalArgumentException.class, () -> fresh.setState(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fresh.setState(new long[3]));
        assertTrue(e.getMessage().contains("Generator.setState") && e.getMessage().contains("2 longs"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> fresh.setState(new long[] {1, Double.doubleToRawLongBits(Double.POSITIVE_INFINITY)}));
        assertEquals(5, fresh.getState()[0], "a refused state changes nothing");
    }

    @Test
    void defaultGeneratorIsReproducibleAfterManualSeed() {
        Tensor.manualSeed(123);
        float[] a = Tensor.rand(4).toFloatArray();
        Tensor.manualSeed(123);
        assertArrayEquals(a, Tensor.rand(4).toFloatArray());
    }

    @Test
    void randnHasMeanZeroAndStdOne() {
        Tensor x = Tensor.randn(new Generator(2024), 100_000);
        assertEquals(DType.FLOAT32, x.dtype());
        // standard error of the mean is 1/sqrt(1e5) ≈ 0.0032; of the std ≈ 0.0022
        assertEquals(0, x.mean().item(), 0.015);
        assertEquals(1, x.std(null, false, 1).item(), 0.01);
        // about 68.3% within one standard deviation
        double inside = x.abs().lt(1).sum().item() / 100_000;
        assertEquals(0.6827, inside, 0.01);
    }

    @Test
    void randIsUniformInTheUnitInterval() {
        Tensor x = Tensor.rand(new Generator(5), 100_000);
        assertTrue(x.min().item() >= 0);
        assertTrue(x.max().item() < 1);
        assertEquals(0.5, x.mean().item(), 0.01);
        assertEquals(1 / 12.0, x.var(null, false, 0).item(), 0.005);
    }

    @Test
    void randintStaysInRangeAndHitsEveryValue() {
        Tensor x = Tensor.randint(new Generator(9), -2, 3, 10_000);
        assertEquals(DType.INT64, x.dtype());
        assertArrayEquals(new int[] {10_000}, x.shape());
        long[] v = x.toLongArray();
        int[] counts = new int[5];
        for (long e : v) {
            assertTrue(e >= -2 && e < 3, "value " + e);
            counts[(int) e + 2]++;
        }
        for (int c : counts) assertEquals(2000, c, 200);
    }

    @Test
    void randomShapes() {
        assertArrayEquals(new int[] {2, 0, 3}, Tensor.randn(new Generator(1), 2, 0, 3).shape());
        assertArrayEquals(new int[0], Tensor.rand(new Generator(1)).shape());
    }
}
