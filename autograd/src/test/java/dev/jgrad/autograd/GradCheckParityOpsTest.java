package dev.jgrad.autograd;

import static dev.jgrad.autograd.GradCases.binary;
import static dev.jgrad.autograd.GradCases.gc;
import static dev.jgrad.autograd.GradCases.randn;
import static dev.jgrad.autograd.GradCases.spread;
import static dev.jgrad.autograd.GradCases.unary;

import dev.jgrad.autograd.GradCases.GradCase;
import dev.jgrad.tensor.PadMode;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradient checks of the ops of PyTorch parity II: max/min with indices, sort and top-k, the
 * scans, prod and the norms (with the zeros their rules treat apart), flip, and the
 * compositions (split, chunk, unbind, repeat, tile, roll, masks, scalar where, tensor clamp,
 * pad, einsum), whose gradients come from the ops they are built of.
 */
class GradCheckParityOpsTest {
    /** A bool mask of shape [3, 4]. */
    private static final Tensor MASK = Tensor.of(new boolean[] {true, false, false, true, false, true, true, false, true, true, false, false}, 3, 4);

    static Stream<GradCase> cases() {
        return Stream.of(selectionCases(), scanAndReductionCases(), movementCases(), maskCases(), padEinsumCases()).flatMap(List::stream);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradcheck(GradCase c) {
        GradCases.assertPasses(c);
    }

    private static int[] dims(int... d) {
        return d;
    }

    /** x with exact zeros at the given flat positions. */
    private static Tensor withZeros(Tensor x, int... at) {
        double[] v = x.toDoubleArray();
        for (int i : at) v[i] = 0;
        return Tensor.of(v, x.shape());
    }

    private static List<GradCase> selectionCases() {
        // spread() values are distinct, so every selection has one winner
        return List.of(
                unary("max dim values", x -> x.max(1, false).values(), spread(300, 3, 4)),
                unary("max dim keepDim of transpose", x -> x.t().max(0, true).values(), spread(301, 3, 4)),
                unary("min dim values", x -> x.min(-1, false).values(), spread(302, 2, 3, 4)),
                unary("max of 0-d along dim 0", x -> x.max(0, false).values(), spread(303)),
                unary("sort ascending", x -> x.sort(-1, false).values(), spread(304, 3, 5)),
                unary("sort descending along dim 0", x -> x.sort(0, true).values(), spread(305, 4, 3)),
                unary("sort of a transpose", x -> x.t().sort(1, false).values(), spread(306, 4, 3)),
                unary("topk largest", x -> x.topk(2, -1, true).values(), spread(307, 3, 6)),
                unary("topk smallest along dim 0", x -> x.topk(3, 0, false).values(), spread(308, 5, 2)),
                unary("topk of many (heap path)", x -> x.topk(4, 1, true).values(), spread(309, 2, 64)));
    }

    private static List<GradCase> scanAndReductionCases() {
        return List.of(
                unary("cumsum last dim", x -> x.cumsum(-1), randn(310, 3, 4)),
                unary("cumsum dim 0", x -> x.cumsum(0), randn(311, 3, 4)),
                unary("cumsum middle dim", x -> x.cumsum(1), randn(312, 2, 3, 4)),
                unary("cumsum of 0-d", x -> x.cumsum(0).mul(x), randn(313)),
                unary("cumprod last dim", x -> x.cumprod(-1), randn(314, 3, 4)),
                unary("cumprod dim 0 of a transpose", x -> x.t().cumprod(0), randn(315, 3, 4)),
                unary("cumprod with one and two zeros", x -> x.cumprod(1), withZeros(randn(316, 3, 5), 2, 6, 8, 10)),
                unary("prod all", Tensor::prod, randn(317, 2, 3)),
                unary("prod dim", x -> x.prod(1, false), randn(318, 3, 4)),
                unary("prod dim keepDim", x -> x.prod(0, true), randn(319, 3, 4)),
                unary("prod with one zero", x -> x.prod(1, false), withZeros(randn(320, 3, 4), 1)),
                unary("prod with two zeros", x -> x.prod(1, false), withZeros(randn(321, 3, 4), 4, 6)),
                unary("prod all with one zero", Tensor::prod, withZeros(randn(322, 2, 3), 3)),
                unary("norm 2 (Frobenius)", Tensor::norm, randn(323, 3, 4)),
                unary("norm 2 dims keepDim", x -> x.norm(2, dims(1), true), randn(324, 3, 4)),
                unary("norm 1", x -> x.norm(1, dims(0), false), spread(325, 3, 4)),
                unary("norm inf", x -> x.norm(Double.POSITIVE_INFINITY, dims(1), false), spread(326, 3, 4)),
                unary("norm -inf", x -> x.norm(Double.NEGATIVE_INFINITY, null, false), spread(327, 3, 4)),
                unary("norm 3", x -> x.norm(3, dims(-1), false), spread(328, 2, 5)),
                unary("norm 0.5", x -> x.norm(0.5, dims(0), true), spread(329, 4, 3)),
                unary("norm 1.5 of matrices", x -> x.norm(1.5, dims(-2, -1), false), spread(330, 2, 3, 4)),
                unary("logsumexp of two non-adjacent dims", x -> x.logsumexp(dims(1, 3), true), randn(331, 2, 3, 2, 4)));
    }

    private static List<GradCase> movementCases() {
        return List.of(
                unary("flip one dim", x -> x.flip(0), randn(340, 5)),
                unary("flip two dims", x -> x.flip(0, 2), randn(341, 2, 3, 4)),
                unary("flip of a transpose", x -> x.t().flip(-1), randn(342, 3, 4)),
                unary("roll", x -> x.roll(1, 1), randn(343, 3, 4)),
                unary("roll two dims", x -> x.roll(new int[] {-1, 2}, new int[] {0, 1}), randn(344, 3, 4)),
                unary("roll flattened", x -> x.roll(new int[] {5}, new int[0]), randn(345, 3, 4)),
                unary("repeat", x -> x.repeat(2, 3), randn(346, 2, 3)),
                unary("repeat adding a dimension", x -> x.repeat(2, 1, 2), randn(347, 3, 2)),
                unary("tile", x -> x.tile(2), randn(348, 2, 3)),
                unary("split equal", x -> Tensor.cat(x.split(2, 0), 1), randn(349, 4, 3)),
                unary("split sizes", x -> x.split(new int[] {1, 3}, 1).get(1).mul(x.split(new int[] {1, 3}, 1).get(0)), randn(350, 2, 4)),
                unary("chunk", x -> x.chunk(3, -1).get(2).sum(), randn(351, 2, 7)),
                unary("unbind", x -> x.unbind(0).get(1).mul(x.unbind(0).get(2)), randn(352, 3, 4)));
    }

    private static List<GradCase> maskCases() {
        return List.of(
                unary("maskedFill", x -> x.maskedFill(MASK, 2.5), randn(360, 3, 4)),
                unary("maskedFill broadcast mask", x -> x.maskedFill(MASK.slice(0, 0, 1, 1), -1), randn(361, 2, 3, 4)),
                unary("tril", x -> x.tril(0), randn(362, 4, 4)),
                unary("tril off the diagonal, batched", x -> x.tril(-1), randn(363, 2, 3, 4)),
                unary("triu", x -> x.triu(1), randn(364, 3, 5)),
                unary("where tensor, scalar", x -> Tensor.where(MASK, x, 0.5), randn(365, 3, 4)),
                unary("where scalar, tensor", x -> Tensor.where(MASK, -1.0, x), randn(366, 4)),
                gc("clamp with tensor bounds", xs -> xs.get(0).clamp(xs.get(1), xs.get(2)),
                        spread(367, 3, 4), spread(368, 3, 4).sub(1.02), spread(369, 4).add(1.01)),
                binary("clamp with a tensor min only", (x, lo) -> x.clamp(lo, null), spread(370, 3, 4), spread(371, 3, 1).mul(0.5).add(0.013)));
    }

    private static List<GradCase> padEinsumCases() {
        return List.of(
                unary("pad constant", x -> x.pad(new int[] {1, 2}), randn(380, 2, 3)),
                unary("pad constant two dims with crop", x -> x.pad(new int[] {-1, 1, 2, 0}, 0.5), randn(381, 2, 3, 4)),
                unary("pad reflect", x -> x.pad(new int[] {2, 1}, PadMode.REFLECT), randn(382, 2, 4)),
                unary("pad reflect two dims", x -> x.pad(new int[] {1, 1, 1, 2}, PadMode.REFLECT), randn(383, 1, 3, 4)),
                unary("pad replicate", x -> x.pad(new int[] {2, 3, 1, 0}, PadMode.REPLICATE), randn(384, 2, 2, 3)),
                binary("einsum matmul", (a, b) -> Tensor.einsum("ij,jk->ik", a, b), randn(385, 2, 3), randn(386, 3, 4)),
                binary("einsum batched, transposed output", (a, b) -> Tensor.einsum("bij,bjk->bki", a, b), randn(387, 2, 3, 4), randn(388, 2, 4, 2)),
                unary("einsum diagonal", x -> Tensor.einsum("ii->i", x), randn(389, 3, 3)),
                unary("einsum trace", x -> Tensor.einsum("ii", x), randn(390, 3, 3)),
                binary("einsum ellipsis broadcast", (a, b) -> Tensor.einsum("...ij,...jk", a, b), randn(391, 2, 1, 2, 3), randn(392, 4, 3, 2)),
                binary("einsum outer", (a, b) -> Tensor.einsum("i,j", a, b), randn(393, 3), randn(394, 4)),
                gc("einsum three operands", xs -> Tensor.einsum("bn,anm,bm->ba", xs.get(0), xs.get(1), xs.get(2)),
                        randn(395, 2, 3), randn(396, 4, 3, 5), randn(397, 2, 5)),
                binary("einsum size-1 broadcast", (a, b) -> Tensor.einsum("ij,ij->i", a, b), randn(398, 2, 3), randn(399, 1, 3)));
    }
}
