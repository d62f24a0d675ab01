package dev.jgrad.autograd;

import static dev.jgrad.autograd.GradCases.binary;
import static dev.jgrad.autograd.GradCases.gc;
import static dev.jgrad.autograd.GradCases.indices;
import static dev.jgrad.autograd.GradCases.randn;
import static dev.jgrad.autograd.GradCases.unary;

import dev.jgrad.autograd.GradCases.GradCase;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Gradient checks of gather, scatterAdd, indexSelect and embedding, with repeated indices, and of interpolate's resampling. */
class GradCheckIndexingTest {

    static Stream<GradCase> cases() {
        return Stream.of(gatherCases(), scatterCases(), selectCases(), interpolateCases()).flatMap(List::stream);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradcheck(GradCase c) {
        GradCases.assertPasses(c);
    }

    private static List<GradCase> interpolateCases() {
        return List.of(
                unary("interpolate nearest x2", x -> x.interpolate(null, new double[] {2}, "nearest", false), randn(120, 2, 2, 3, 2)),
                unary("interpolate nearest to a size, down in width", x -> x.interpolate(new int[] {5, 2}, null, "nearest", false),
                        randn(121, 1, 2, 3, 4)),
                unary("interpolate nearest 3-D and 5-D", x -> x.interpolate(null, new double[] {1.5}, "nearest", false).reshape(-1)
                        .add(x.reshape(1, 2, 2, 3).unsqueeze(2).interpolate(new int[] {2, 3, 5}, null, "nearest", false).sum()),
                        randn(122, 1, 2, 6)),
                unary("interpolate bilinear", x -> x.interpolate(null, new double[] {1.5, 2}, "bilinear", false), randn(123, 1, 2, 3, 3)),
                unary("interpolate bilinear align corners, down-sampling", x -> x.interpolate(new int[] {2, 5}, null, "bilinear", true),
                        randn(124, 2, 1, 4, 3)),
                unary("interpolate linear of a transposed input", x -> x.transpose(1, 2).interpolate(null, new double[] {2.5}, "linear", false),
                        randn(125, 2, 3, 2)),
                unary("interpolate trilinear", x -> x.interpolate(new int[] {3, 2, 3}, null, "trilinear", true), randn(126, 1, 1, 2, 3, 2)));
    }

    private static List<GradCase> gatherCases() {
        Tensor idx34 = indices(1, 5, 3, 4);                         // repeats likely: 12 draws from 5
        Tensor idx25 = indices(2, 3, 2, 5);
        Tensor idx23 = indices(3, 5, 2, 3);
        Tensor idx43t = indices(4, 5, 4, 3);
        Tensor repeated = Tensor.of(new long[] {0, 0, 2, 2, 1, 1, 0, 0}, 2, 4);
        return List.of(
                unary("gather dim 1", x -> x.gather(1, idx34).sin(), randn(10, 3, 5)),
                unary("gather dim 0", x -> x.gather(0, idx25).sin(), randn(11, 3, 5)),
                unary("gather negative dim", x -> x.gather(-1, idx34), randn(12, 3, 5)),
                unary("gather smaller index", x -> x.gather(1, idx23).sin(), randn(13, 4, 5)),
                unary("gather repeated indices", x -> x.gather(1, repeated).sin(), randn(14, 2, 3)),
                unary("gather int32 index", x -> x.gather(1, idx34.to(DType.INT32)).sin(), randn(15, 3, 5)),
                unary("gather of transpose", x -> x.t().gather(1, idx34).sin(), randn(16, 5, 3)),
                unary("gather transposed index", x -> x.gather(1, idx43t.t()).sin(), randn(17, 3, 5)),
                unary("gather of expanded", x -> x.expand(3, 5).gather(1, idx34).sin(), randn(18, 1, 5)),
                unary("gather with transposed upstream gradient", x -> x.gather(1, idx34).t(), randn(5, 3, 5)),
                unary("gather of 0-d", x -> x.gather(0, Tensor.of(new long[] {0}).reshape()).exp(), randn(6)),
                gc("gather index passed as input", xs -> xs.get(0).gather(1, xs.get(1)).sin(), randn(19, 3, 5), idx34));
    }

    private static List<GradCase> scatterCases() {
        Tensor idx34 = indices(20, 5, 3, 4);
        Tensor idx24 = indices(21, 3, 2, 4);
        Tensor repeated = Tensor.of(new long[] {1, 1, 1, 3, 3, 0}, 2, 3);
        return List.of(
                binary("scatterAdd dim 1", (x, s) -> x.scatterAdd(1, idx34, s).sin(), randn(30, 3, 5), randn(31, 3, 4)),
                binary("scatterAdd dim 0", (x, s) -> x.scatterAdd(0, idx24, s).sin(), randn(32, 3, 4), randn(33, 2, 4)),
                binary("scatterAdd negative dim", (x, s) -> x.scatterAdd(-1, idx34, s).sin(), randn(34, 3, 5), randn(35, 3, 4)),
                binary("scatterAdd repeated indices", (x, s) -> x.scatterAdd(1, repeated, s).sin(), randn(36, 2, 4), randn(37, 2, 3)),
                binary("scatterAdd src larger than index", (x, s) -> x.scatterAdd(1, idx34, s).sin(), randn(38, 3, 5), randn(39, 4, 6)),
                binary("scatterAdd non-contiguous", (x, s) -> x.t().scatterAdd(1, idx34, s.slice(1, 0, 8, 2)).sin(),
                        randn(40, 5, 3), randn(41, 3, 8)),
                binary("scatterAdd of expanded", (x, s) -> x.expand(3, 5).scatterAdd(1, idx34, s.expand(3, 4)).sin(),
                        randn(42, 1, 5), randn(43, 4)),
                binary("scatterAdd with transposed upstream gradient", (x, s) -> x.scatterAdd(1, idx34, s).t(), randn(45, 3, 5), randn(46, 3, 4)),
                binary("scatterAdd of 0-d", (x, s) -> x.scatterAdd(-1, Tensor.of(new long[] {0}).reshape(), s).exp(), randn(47), randn(48)),
                unary("scatterAdd into zeros", s -> Tensor.zeros(DType.FLOAT64, 3, 5).scatterAdd(1, idx34, s).sin(), randn(44, 3, 4)));
    }

    private static List<GradCase> selectCases() {
        Tensor rep = Tensor.of(new long[] {2, 0, 2, 1});
        Tensor tokens = Tensor.of(new long[] {4, 0, 4, 1, 2, 4}, 2, 3);
        return List.of(
                unary("indexSelect dim 0 repeated", x -> x.indexSelect(0, rep).sin(), randn(50, 3, 4)),
                unary("indexSelect dim 1 repeated", x -> x.indexSelect(1, rep).sin(), randn(51, 2, 3)),
                unary("indexSelect negative dim", x -> x.indexSelect(-1, rep).sin(), randn(52, 2, 3, 3)),
                unary("indexSelect int32", x -> x.indexSelect(0, rep.to(DType.INT32)).sin(), randn(53, 3, 2)),
                unary("indexSelect 0-d index", x -> x.indexSelect(0, Tensor.of(new long[] {1}).reshape()).sin(), randn(54, 3, 2)),
                unary("indexSelect of transpose", x -> x.t().indexSelect(0, rep).sin(), randn(55, 2, 3)),
                unary("indexSelect stepped index", x -> x.indexSelect(1, Tensor.of(new long[] {0, 9, 1, 9, 2, 9}).slice(0, 0, 6, 2)).sin(),
                        randn(56, 2, 3)),
                unary("embedding", w -> Tensor.embedding(tokens, w).sin(), randn(60, 5, 3)),
                unary("embedding 1-D indices", w -> Tensor.embedding(rep, w).sin(), randn(61, 3, 2)),
                unary("embedding of transposed weight", w -> Tensor.embedding(tokens, w.t()).sin(), randn(62, 3, 5)),
                gc("embedding times", xs -> Tensor.embedding(tokens, xs.get(0)).mul(xs.get(1)).sum(-1),
                        randn(63, 5, 4), randn(64, 4)));
    }
}
