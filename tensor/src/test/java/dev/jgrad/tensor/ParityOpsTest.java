package dev.jgrad.tensor;

import static dev.jgrad.tensor.CudaBackendTest.close;
import static dev.jgrad.tensor.CudaBackendTest.device;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ops of PyTorch parity II where the fixtures cannot reach (NaN, ±0.0, ties, integer
 * dtypes, empty and 0-d tensors, large rows that take the fast paths), one body per device: on
 * the CPU each result is checked against its definition, and on a GPU against the CPU's.
 */
class ParityOpsTest {
    private static final float NAN = Float.NaN;

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void sortOrdersNaNLastKeepsTiesAndZerosInOrderBothWays(String dev) {
        Device d = device(dev);
        Tensor x = Tensor.of(new float[] {2, NAN, -0.0f, 1, 0.0f, 2, Float.NEGATIVE_INFINITY}).to(d);
        ValuesAndIndices up = x.sort(0, false), down = x.sort(0, true);
        assertArrayEquals(new long[] {6, 2, 4, 3, 0, 5, 1}, up.indices().toLongArray());
        assertArrayEquals(new long[] {1, 0, 5, 3, 2, 4, 6}, down.indices().toLongArray());
        float[] v = up.values().toFloatArray();
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(v[1]), "the original -0.0 is returned");
        assertTrue(Float.isNaN(v[6]));
        assertArrayEquals(new long[] {1, 0, 5}, x.topk(3, 0, true).indices().toLongArray(), "NaN is the largest");
        assertArrayEquals(new long[] {6, 2, 4}, x.topk(3, 0, false).indices().toLongArray());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void integersSortExactlyInTheirOwnDtype(String dev) {
        Device d = device(dev);
        long big = (1L << 53) + 1;
        Tensor l = Tensor.of(new long[] {big, big - 1, -5, big}).to(d);
        ValuesAndIndices s = l.sort(0, true);
        assertEquals(DType.INT64, s.values().dtype());
        assertArrayEquals(new long[] {big, big, big - 1, -5}, s.values().toLongArray());
        assertArrayEquals(new long[] {0, 3, 1, 2}, s.indices().toLongArray());
        Tensor i = Tensor.of(new int[] {3, -1, 2}).to(d);
        assertEquals(DType.INT32, i.sort(0, false).values().dtype());
        assertArrayEquals(new int[] {-1, 2, 3}, i.sort(0, false).values().toIntArray());
        Tensor b = Tensor.of(new boolean[] {true, false, true}).to(d);
        assertArrayEquals(new boolean[] {false, true, true}, b.sort(0, false).values().toBooleanArray());
        assertArrayEquals(new long[] {1, 0, 2}, b.argsort(0, false).toLongArray());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void longRowsTakeTheFastPathsAndAgreeWithFloat64(String dev) {
        Device d = device(dev);
        // float32 rows of 5000 with ties (rounded values): radix sort and heap top-k against the float64 merge sort
        Tensor x = Tensor.randint(new Generator(5), -60, 60, 3, 5000).to(DType.FLOAT32).div(8);
        Tensor x64 = x.to(DType.FLOAT64);
        for (boolean desc : new boolean[] {false, true}) {
            ValuesAndIndices f = x.to(d).sort(1, desc), r = x64.sort(1, desc);
            assertArrayEquals(r.indices().toLongArray(), f.indices().toLongArray(), "sort desc=" + desc);
            for (int k : new int[] {1, 10, 600, 5000}) {
                ValuesAndIndices tf = x.to(d).topk(k, -1, desc), tr = x64.topk(k, -1, desc);
                assertArrayEquals(tr.indices().toLongArray(), tf.indices().toLongArray(), "topk k=" + k + " largest=" + desc);
                assertArrayEquals(tr.values().to(DType.FLOAT32).toFloatArray(), tf.values().toFloatArray());
            }
        }
        // along dim 0 of a transpose: the dimension is brought last and made contiguous
        Tensor t = x.t().to(d);
        assertArrayEquals(x64.sort(1, false).indices().t().contiguous().toLongArray(), t.sort(0, false).indices().toLongArray());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void maxAndMinAlongADimPickTheFirstExtremum(String dev) {
        Device d = device(dev);
        Tensor x = Tensor.of(new double[] {1, 5, 5, 2, NAN, 7, 0, 0, 3}, 3, 3).to(d);
        ValuesAndIndices m = x.max(1, false);
        assertArrayEquals(new long[] {1, 1, 2}, m.indices().toLongArray(), "first maximum; NaN wins");
        ValuesAndIndices n = x.min(1, true);
        assertArrayEquals(new int[] {3, 1}, n.values().shape());
        assertArrayEquals(new long[] {0, 1, 0}, n.indices().toLongArray());
        ValuesAndIndices empty = Tensor.zeros(0, 4).to(d).max(1, false);
        assertArrayEquals(new int[] {0}, empty.values().shape());
        assertEquals(DType.INT64, empty.indices().dtype());
        ValuesAndIndices scalar = Tensor.scalar(4).to(d).max(0, false);
        assertEquals(4, scalar.values().item());
        assertEquals(0, scalar.indices().itemLong());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void scansAccumulateIntegersAsInt64AndFloat32InDouble(String dev) {
        Device d = device(dev);
        Tensor i = Tensor.of(new int[] {Integer.MAX_VALUE, 1, 2}).to(d);
        assertEquals(DType.INT64, i.cumsum(0).dtype());
        assertArrayEquals(new long[] {Integer.MAX_VALUE, 1L + Integer.MAX_VALUE, 3L + Integer.MAX_VALUE}, i.cumsum(0).toLongArray());
        assertArrayEquals(new long[] {1, 2, 2}, Tensor.of(new boolean[] {true, true, false}).to(d).cumsum(0).toLongArray());
        assertArrayEquals(new long[] {2, 6, 24}, Tensor.of(new long[] {2, 3, 4}).to(d).cumprod(0).toLongArray());
        // float32: sums of many terms, rounded once from double as PyTorch's CPU kernel does
        Tensor x = Tensor.randn(new Generator(6), 5, 3000);
        double[] xv = x.toDoubleArray();
        float[] want = new float[xv.length];
        for (int r = 0; r < 5; r++) {
            double acc = 0;
            for (int j = 0; j < 3000; j++) want[r * 3000 + j] = (float) (acc += xv[r * 3000 + j]);
        }
        Tensor got = x.to(d).cumsum(1);
        if (d.equals(Device.CPU)) assertArrayEquals(want, got.toFloatArray());
        else close(Tensor.of(want, 5, 3000), got, 1e-5, "cumsum on " + d);
        close(x.cumsum(0), x.to(d).cumsum(0), 1e-6, "cumsum along dim 0");
        close(x.cumprod(0), x.to(d).cumprod(0), 1e-6, "cumprod along dim 0");
        assertEquals(2.5, Tensor.scalar(2.5).to(d).cumsum(0).item());
        assertArrayEquals(new int[] {0, 3}, Tensor.zeros(0, 3).to(d).cumsum(1).shape());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void flipReadsBackwardsThroughAnyLayout(String dev) {
        Device d = device(dev);
        Tensor x = Tensor.arange(24).reshape(2, 3, 4).to(d);
        Tensor f = x.permute(2, 0, 1).flip(0, 2);
        long[] want = new long[24];
        for (int k = 0, at = 0; k < 4; k++) for (int a = 0; a < 2; a++) for (int b = 0; b < 3; b++) want[at++] = a * 12L + (2 - b) * 4 + (3 - k);
        assertArrayEquals(want, f.toLongArray());
        assertArrayEquals(new float[] {3, 2, 1}, Tensor.of(new float[] {1, 2, 3}).to(d).flip(0).toFloatArray());
        assertEquals(7, Tensor.scalar(7).to(d).flip(0).item());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void splittingGivesViewsAndRepeatingGivesCopies(String dev) {
        Device d = device(dev);
        Tensor x = Tensor.arange(10).reshape(2, 5).to(d);
        List<Tensor> parts = x.split(2, 1);
        assertEquals(List.of(2, 2, 1), parts.stream().map(t -> t.size(1)).toList());
        assertEquals(List.of(2, 2, 1), x.chunk(3, 1).stream().map(t -> t.size(1)).toList());
        assertEquals(3, x.chunk(4, 1).size(), "PyTorch's chunk: parts of ⌈5 / 4⌉ = 2");
        assertEquals(3, Tensor.zeros(0).to(d).chunk(3, 0).size(), "an empty dimension gives the requested number of empty parts");
        List<Tensor> rows = x.unbind(0);
        assertArrayEquals(new long[] {5, 6, 7, 8, 9}, rows.get(1).toLongArray());
        assertEquals(x.version(), rows.get(0).version(), "a view of the same storage");
        assertArrayEquals(new long[] {0, 1, 0, 1, 0, 1, 0, 1}, Tensor.arange(2).to(d).repeat(2, 2).toLongArray());
        assertArrayEquals(new int[] {2, 1, 2}, Tensor.arange(2).to(d).repeat(2, 1, 1).shape());
        assertArrayEquals(new long[] {0, 1, 0, 1, 2, 3, 2, 3}, Tensor.arange(4).reshape(2, 2).to(d).tile(2).toLongArray());
        Tensor same = x.repeat(1, 1);
        assertNotSame(x, same);
        assertArrayEquals(x.toLongArray(), same.toLongArray());
        assertArrayEquals(new int[] {0, 5}, x.repeat(0, 1).shape());
        assertArrayEquals(new long[] {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, x.roll(1, 1).toLongArray());
        assertArrayEquals(new long[] {8, 9, 0, 1, 2, 3, 4, 5, 6, 7}, x.roll(new int[] {12}, new int[0]).toLongArray());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void productsAnyAllAndTheirEmptyCases(String dev) {
        Device d = device(dev);
        assertEquals(24, Tensor.of(new float[] {2, 3, 4}).to(d).prod().item());
        assertEquals(DType.INT64, Tensor.of(new int[] {2, 3}).to(d).prod().dtype());
        assertEquals(1, Tensor.zeros(0).to(d).prod().item(), "the empty product");
        Tensor x = Tensor.of(new float[] {0, NAN, 0, 0, 1, 2}, 2, 3).to(d);
        assertArrayEquals(new boolean[] {true, true}, x.any(new int[] {1}, false).toBooleanArray(), "NaN counts as non-zero");
        assertArrayEquals(new boolean[] {false, false}, x.all(new int[] {1}, false).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, false}, x.all(new int[] {0}, false).toBooleanArray());
        assertEquals(DType.BOOL, x.any().dtype());
        assertEquals(0, Tensor.zeros(0).to(d).any().item());
        assertEquals(1, Tensor.zeros(0).to(d).all().item());
        assertArrayEquals(new int[] {2, 1}, Tensor.zeros(2, 0).to(d).all(new int[] {1}, true).shape());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void norms(String dev) {
        Device d = device(dev);
        Tensor x = Tensor.of(new double[] {3, -4, 0, 0}, 2, 2).to(d);
        assertArrayEquals(new double[] {5, 0}, x.norm(2, new int[] {1}, false).toDoubleArray());
        Tensor y = Tensor.of(new double[] {1, -3, 3, 2}).to(d);
        assertEquals(3, y.norm(Double.POSITIVE_INFINITY, null, false).item());
        assertEquals(1, y.norm(Double.NEGATIVE_INFINITY, null, false).item());
        assertEquals(9, y.norm(1, null, false).item());
        assertEquals(4, y.norm(0, null, false).item());
        assertEquals(Math.cbrt(1 + 27 + 27 + 8), y.norm(3, null, false).item(), 1e-12);
        assertEquals(Math.sqrt(30), Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).to(d).norm().item(), 1e-6, "Frobenius");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void masksScalarsAndTensorBounds(String dev) {
        Device d = device(dev);
        Tensor x = Tensor.arange(6).reshape(2, 3).to(d);
        Tensor mask = Tensor.of(new boolean[] {true, false, true}).to(d);
        Tensor filled = x.maskedFill(mask, 9.7);
        assertEquals(DType.INT64, filled.dtype(), "the value takes the tensor's dtype");
        assertArrayEquals(new long[] {9, 1, 9, 9, 4, 9}, filled.toLongArray());
        assertArrayEquals(new long[] {0, 0, 0, 3, 4, 0}, x.tril(0).toLongArray());
        assertArrayEquals(new long[] {0, 1, 2, 0, 4, 5}, x.triu(0).toLongArray());
        assertArrayEquals(new long[] {0, 0, 0, 0, 0, 0}, x.triu(3).toLongArray());
        Tensor w = Tensor.where(mask, 1.0, 2.5);
        assertEquals(DType.FLOAT32, w.dtype());
        assertEquals(DType.FLOAT32, Tensor.where(mask, x.slice(0, 0, 1, 1).squeeze(0), 0.5).dtype(), "int tensor, fractional scalar");
        assertEquals(DType.INT64, Tensor.where(mask, 2.0, x).dtype(), "int tensor, whole scalar");
        Tensor v = Tensor.of(new float[] {-2, 0.5f, 3, NAN}).to(d);
        Tensor lo = Tensor.of(new float[] {-1, -1, -1, 0}).to(d), hi = Tensor.of(new float[] {1, 0, 4, 1}).to(d);
        float[] c = v.clamp(lo, hi).toFloatArray();
        assertArrayEquals(new float[] {-1, 0, 3}, Arrays.copyOf(c, 3));
        assertTrue(Float.isNaN(c[3]));
        float[] inverted = v.clamp(lo.add(5), hi).toFloatArray();
        assertArrayEquals(new float[] {1, 0, 4}, Arrays.copyOf(inverted, 3), "min > max gives max");
        assertTrue(Float.isNaN(inverted[3]), "NaN stays NaN");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void padAndEinsumValues(String dev) {
        Device d = device(dev);
        Tensor x = Tensor.of(new float[] {1, 2, 3}).to(d);
        assertArrayEquals(new float[] {0, 0, 1, 2, 3, 0}, x.pad(new int[] {2, 1}).toFloatArray());
        assertArrayEquals(new float[] {3, 2, 1, 2, 3, 2}, x.pad(new int[] {2, 1}, PadMode.REFLECT).toFloatArray());
        assertArrayEquals(new float[] {1, 1, 1, 2, 3, 3}, x.pad(new int[] {2, 1}, PadMode.REPLICATE).toFloatArray());
        assertArrayEquals(new float[] {-1, -1, 1, 2}, x.pad(new int[] {2, -1}, -1).toFloatArray(), "negative sizes crop first");
        assertArrayEquals(new long[] {7, 1, 7}, Tensor.of(new long[] {1}).to(d).pad(new int[] {1, 1}, 7.9).toLongArray());
        Tensor a = Tensor.randn(new Generator(7), 2, 3, 4).to(d), b = Tensor.randn(new Generator(8), 2, 4, 5).to(d);
        close(a.matmul(b), Tensor.einsum("bij,bjk->bik", a, b), 1e-5, "batched matmul");
        close(a.matmul(b).transpose(1, 2), Tensor.einsum("bij,bjk->bki", a, b), 1e-5, "transposed output");
        Tensor m = Tensor.arange(9).reshape(3, 3).to(d).to(DType.FLOAT64);
        assertEquals(12, Tensor.einsum("ii", m).item());
        assertArrayEquals(new double[] {0, 4, 8}, Tensor.einsum("ii->i", m).toDoubleArray());
        assertArrayEquals(new double[] {9, 12, 15}, Tensor.einsum("ij->j", m).toDoubleArray());
        assertArrayEquals(new int[] {2, 5, 3, 2},
                Tensor.einsum("...ij,...jk", Tensor.ones(2, 1, 3, 4).to(d), Tensor.ones(5, 4, 2).to(d)).shape());
        Tensor same = Tensor.einsum("ij->ij", m);
        assertNotSame(m, same);
    }
}
