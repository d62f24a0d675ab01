package dev.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;

import org.junit.jupiter.api.Test;

/**
 * toString: PyTorch's layout and number formats (4 decimals, "1." for whole floats, one
 * format and width per tensor, first and last 3 entries past 1000 elements), followed by the
 * suffixes PyTorch shows: the size of an empty tensor, a dtype other than float32, int64 and bool
 * (named as jgrad names it, without PyTorch's "torch."), and the autograd state.
 * TensorFormatOracleTest compares many more cases with PyTorch's own text.
 */
class TensorFormatTest {

    @Test
    void smallFloatMatrix() {
        assertEquals("tensor([[1.5000, 2.0000],\n"
                + "        [3.0000, 4.2500]])",
                Tensor.of(new float[] {1.5f, 2, 3, 4.25f}, 2, 2).toString());
    }

    @Test
    void wholeFloatsPrintWithATrailingPoint() {
        assertEquals("tensor([1., 2., 3.])", Tensor.of(new float[] {1, 2, 3}).toString());
        assertEquals("tensor([ -1., 100.])", Tensor.of(new float[] {-1, 100}).toString());
    }

    @Test
    void integersAreRightAligned() {
        assertEquals("tensor([  1, -20, 300])", Tensor.of(new long[] {1, -20, 300}).toString());
        assertEquals("tensor([[1, 2],\n        [3, 4]], dtype=int32)", Tensor.of(new int[] {1, 2, 3, 4}, 2, 2).toString());
    }

    @Test
    void bools() {
        assertEquals("tensor([ True, False,  True])", Tensor.of(new boolean[] {true, false, true}).toString());
    }

    @Test
    void zeroDimensional() {
        assertEquals("tensor(3.5000)", Tensor.scalar(3.5).toString());
        assertEquals("tensor(7)", Tensor.scalar(7, DType.INT64).toString());
    }

    @Test
    void float64ShowsItsDtype() {
        assertEquals("tensor([0.5000, 0.2500], dtype=float64)", Tensor.of(new double[] {0.5, 0.25}).toString());
    }

    @Test
    void threeDimensionsSeparateBlocksWithABlankLine() {
        assertEquals("tensor([[[0, 1],\n"
                + "         [2, 3]],\n"
                + "\n"
                + "        [[4, 5],\n"
                + "         [6, 7]]])",
                Tensor.arange(8).reshape(2, 2, 2).toString());
    }

    @Test
    void nonFiniteValues() {
        assertEquals("tensor([    nan,     inf, -1.5000])", Tensor.of(new float[] {Float.NaN, Float.POSITIVE_INFINITY, -1.5f}).toString());
    }

    @Test
    void scientificWhenMagnitudesAreFarApart() {
        // PyTorch: max/min of the non-zero finite magnitudes > 1000, max > 1e8 or min < 1e-4
        assertEquals("tensor([1.0000e+00, 1.0000e+04])", Tensor.of(new float[] {1, 10000}).toString());
        assertEquals("tensor([1.0000e-03, 2.0000e+00])", Tensor.of(new double[] {0.001, 2}).to(DType.FLOAT32).toString());
        assertEquals("tensor([1.0000e-05, 0.0000e+00])", Tensor.of(new double[] {1e-5, 0}).to(DType.FLOAT32).toString());
        assertEquals("tensor([1.0000e+09])", Tensor.of(new float[] {1e9f}).toString());
        // ratio exactly 1000 stays fixed
        assertEquals("tensor([   1., 1000.])", Tensor.of(new float[] {1, 1000}).toString());
        assertEquals("tensor([0.0100, 5.0000])", Tensor.of(new float[] {0.01f, 5}).toString());
    }

    @Test
    void largeVectorIsAbbreviated() {
        assertEquals("tensor([   0,    1,    2,  ..., 1997, 1998, 1999])", Tensor.arange(2000).toString());
        assertEquals("tensor([0., 0., 0.,  ..., 0., 0., 0.])", Tensor.zeros(1001).toString());
    }

    @Test
    void largeMatrixIsAbbreviatedInBothDimensions() {
        String row = "[0., 0., 0.,  ..., 0., 0., 0.]";
        String pad = "        ";
        String expected = "tensor([" + row + ",\n"
                + pad + row + ",\n"
                + pad + row + ",\n"
                + pad + "...,\n"
                + pad + row + ",\n"
                + pad + row + ",\n"
                + pad + row + "])";
        assertEquals(expected, Tensor.zeros(40, 40).toString());
    }

    @Test
    void exactlyTheThresholdIsPrintedInFull() {
        String s = Tensor.zeros(1000).toString();
        assertFalse(s.contains("..."));
        assertEquals(1000, s.split("0\\.").length - 1);
    }

    @Test
    void emptyTensor() {
        assertEquals("tensor([], size=(0, 3))", Tensor.zeros(0, 3).toString());
        assertEquals("tensor([], dtype=int64)", Tensor.arange(0).toString());
    }

    @Test
    void viewsPrintTheirOwnElements() {
        assertEquals("tensor([[1, 3],\n        [2, 4]])",
                Tensor.of(new long[] {1, 2, 3, 4}, 2, 2).t().toString());
    }

    @Test
    void requiresGradIsShown() {
        assertEquals("tensor([1., 2.], requires_grad=True)", Tensor.of(new float[] {1, 2}).requiresGrad(true).toString());
    }

    @Test
    void anOpResultNamesItsGradFnAsPyTorchDoes() {
        Tensor x = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        assertEquals("tensor([2., 4.], grad_fn=<MulBackward0>)", x.mul(2).toString());
        assertEquals("tensor(3., grad_fn=<SumBackward0>)", x.sum().toString());
        assertEquals("tensor([2., 4.])", Tensor.of(new float[] {1, 2}).mul(2).toString(), "no graph, no grad_fn");
    }

    @Test
    void suffixesThatDoNotFitMoveToALineOfTheirOwn() {
        Tensor x = Tensor.of(new double[] {0.8977, 0.2270, -0.6851, 1.2145, -0.3181, -1.0842, 1.3274, -1.9337}).requiresGrad(true);
        assertEquals("tensor([ 0.8977,  0.2270, -0.6851,  1.2145, -0.3181, -1.0842,  1.3274, -1.9337],\n"
                + "       dtype=float64, requires_grad=True)", x.toString());
    }

    @Test
    void aGpuTensorNamesItsDevice() {
        assumeTrue(Cuda.isAvailable(), "no CUDA device: " + Cuda.unavailableReason());
        assertEquals("tensor([1., 1.], device='cuda:0')", Tensor.ones(2).to(Device.cuda()).toString());
    }
}
