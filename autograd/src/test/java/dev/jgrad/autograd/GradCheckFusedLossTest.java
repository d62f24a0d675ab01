package dev.jgrad.autograd;

import static dev.jgrad.autograd.GradCases.gc;
import static dev.jgrad.autograd.GradCases.indices;
import static dev.jgrad.autograd.GradCases.randn;
import static dev.jgrad.autograd.GradCases.unary;

import dev.jgrad.autograd.GradCases.GradCase;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradient checks of the fused loss and regularisation ops: softmax cross-entropy and dropout.
 * Each dropout case draws its mask from a new generator of one seed, so every evaluation of the
 * central differences sees the same mask.
 */
class GradCheckFusedLossTest {

    static Stream<GradCase> cases() {
        return Stream.of(crossEntropyCases(), dropoutCases()).flatMap(List::stream);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradcheck(GradCase c) {
        GradCases.assertPasses(c);
    }

    private static List<GradCase> crossEntropyCases() {
        Tensor t = indices(120, 5, 4), withIgnored = Tensor.of(new long[] {2, -100, 0, 4, -100, 1}), one = Tensor.of(new long[] {0, 0});
        return List.of(
                unary("cross entropy per sample", x -> x.crossEntropy(t, -100), randn(121, 4, 5)),
                unary("cross entropy mean (stride-0 upstream gradient)", x -> x.crossEntropy(t, -100).mean(), randn(122, 4, 5)),
                unary("cross entropy with ignored rows", x -> x.crossEntropy(withIgnored, -100).sum(), randn(123, 6, 5)),
                unary("cross entropy of transposed logits", x -> x.t().crossEntropy(t, -100), randn(124, 5, 4)),
                unary("cross entropy of large logits", x -> x.mul(40).crossEntropy(t, -100), randn(125, 4, 5)),
                unary("cross entropy with one class", x -> x.crossEntropy(one, -100).add(x.sum(1)), randn(126, 2, 1)),
                gc("cross entropy weighted per sample", xs -> xs.get(0).crossEntropy(t, -100).mul(xs.get(1)).sum(),
                        randn(127, 4, 5), randn(128, 4)),
                unary("cross entropy with int32 targets", x -> x.crossEntropy(t.to(dev.jgrad.tensor.DType.INT32), -100), randn(129, 4, 5)));
    }

    private static List<GradCase> dropoutCases() {
        return List.of(
                unary("dropout p=0.3", x -> x.dropout(0.3, new Generator(130)), randn(131, 4, 6)),
                unary("dropout p=0 (identity)", x -> x.dropout(0, new Generator(132)), randn(133, 3, 5)),
                unary("dropout p=0.9", x -> x.dropout(0.9, new Generator(134)), randn(135, 50)),
                unary("dropout of a transposed input", x -> x.t().dropout(0.5, new Generator(136)), randn(137, 3, 7)),
                unary("dropout then sum (stride-0 upstream gradient)", x -> x.dropout(0.5, new Generator(138)).sum(), randn(139, 2, 9)),
                unary("dropout p=1 (all dropped)", x -> x.dropout(1, new Generator(140)).add(x), randn(141, 4)));
    }
}
