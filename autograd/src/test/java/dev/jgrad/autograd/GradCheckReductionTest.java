package dev.jgrad.autograd;

import static dev.jgrad.autograd.GradCases.randn;
import static dev.jgrad.autograd.GradCases.spread;
import static dev.jgrad.autograd.GradCases.unary;

import dev.jgrad.autograd.GradCases.GradCase;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Gradient checks of the reductions (sum, mean, amax/amin, var/std), softmax and sumTo. */
class GradCheckReductionTest {
    /** A softmax mask that keeps at least one entry of every row of a [3, 4] tensor. */
    private static final Tensor MASK = Tensor.of(new boolean[] {true, false, true, true, false, true, false, false, true, true, true, false}, 3, 4);

    static Stream<GradCase> cases() {
        return Stream.of(sumMeanCases(), extremumCases(), varianceCases(), softmaxCases(), sumToCases()).flatMap(List::stream);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradcheck(GradCase c) {
        GradCases.assertPasses(c);
    }

    private static int[] dims(int... d) {
        return d;
    }

    private static List<GradCase> sumMeanCases() {
        return List.of(
                unary("sum all", Tensor::sum, randn(1, 3, 4)),
                unary("sum dim", x -> x.sum(1), randn(2, 3, 4)),
                unary("sum negative dim", x -> x.sum(-1), randn(3, 2, 3, 4)),
                unary("sum dims", x -> x.sum(dims(0, 2), false), randn(4, 2, 3, 4)),
                unary("sum dims keepDim", x -> x.sum(dims(0, -1), true), randn(5, 2, 3, 4)),
                unary("sum all keepDim", x -> x.sum(null, true), randn(6, 2, 3)),
                unary("sum of 0-d", Tensor::sum, randn(7)),
                unary("sum of transpose", x -> x.t().sum(0), randn(8, 3, 4)),
                unary("sum of expanded", x -> x.expand(2, 3, 4).sum(dims(0, 1), true), randn(9, 3, 1)),
                unary("sum of stepped slice", x -> x.slice(1, 0, 7, 3).sum(1), randn(10, 3, 7)),
                unary("mean all", Tensor::mean, randn(11, 3, 4)),
                unary("mean dim", x -> x.mean(0), randn(12, 3, 4)),
                unary("mean dims keepDim", x -> x.mean(dims(1, 2), true), randn(13, 2, 3, 4)),
                unary("mean negative dim of transpose", x -> x.transpose(0, 2).mean(-2), randn(14, 2, 3, 4)),
                unary("mean of expanded", x -> x.expand(3, 4).mean(1), randn(15, 3, 1)),
                unary("sum dim 0 of 0-d", x -> x.sum(0).exp(), randn(16)),
                unary("mean dim -1 of 0-d", x -> x.mean(-1).exp(), randn(17)),
                unary("sum with transposed upstream gradient", x -> x.sum(0).t(), randn(18, 2, 3, 4)),
                unary("sum then broadcast back", x -> x.sub(x.sum(dims(1), true).div(4)), randn(19, 3, 4)));
    }

    private static List<GradCase> extremumCases() {
        // spread() values are distinct, so each reduction has a unique winner
        return List.of(
                unary("logsumexp last dim", x -> x.logsumexp(dims(-1), false), randn(160, 3, 5)),
                unary("logsumexp dims keepDim", x -> x.logsumexp(dims(0, 2), true), randn(161, 2, 3, 4)),
                unary("logsumexp of a transpose, middle dim", x -> x.transpose(0, 1).logsumexp(dims(1), false), randn(162, 4, 3, 2)),
                unary("logsumexp of large values", x -> x.mul(50).logsumexp(dims(1), false), randn(163, 2, 6)),
                unary("logsumexp all", x -> x.logsumexp(new int[0], false), randn(164, 3, 4)),
                unary("amax dim", x -> x.amax(1), spread(20, 3, 4)),
                unary("amax negative dim", x -> x.amax(-1), spread(21, 2, 3, 4)),
                unary("amax dims keepDim", x -> x.amax(dims(0, 2), true), spread(22, 2, 3, 4)),
                unary("amax dims", x -> x.amax(dims(0, 1), false), spread(23, 2, 3, 4)),
                unary("amax of transpose", x -> x.t().amax(0), spread(24, 3, 4)),
                unary("amax of stepped slice", x -> x.slice(0, 1, 6, 2).amax(1), spread(25, 6, 4)),
                unary("max", Tensor::max, spread(26, 3, 4)),
                unary("max of transpose", x -> x.t().max(), spread(27, 3, 4)),
                unary("amin dim", x -> x.amin(0), spread(28, 3, 4)),
                unary("amin dims keepDim", x -> x.amin(dims(1, 2), true), spread(29, 2, 3, 4)),
                unary("amin negative dim of transpose", x -> x.transpose(1, 2).amin(-1), spread(30, 2, 3, 4)),
                unary("min", Tensor::min, spread(31, 3, 4)),
                unary("min of stepped slice", x -> x.slice(1, 0, 8, 3).min(), spread(32, 2, 8)),
                unary("max of 0-d", Tensor::max, spread(33)),
                unary("amax dim 0 of 0-d", x -> x.amax(0), spread(34)),
                unary("amax with transposed upstream gradient", x -> x.amax(0).t(), spread(35, 2, 3, 4)),
                unary("amin with expanded upstream gradient", x -> x.amin(1).sum(), spread(36, 3, 4)));
    }

    private static List<GradCase> varianceCases() {
        return List.of(
                unary("var all (unbiased)", Tensor::var, randn(40, 3, 4)),
                unary("var dim correction 0", x -> x.var(dims(1), false, 0), randn(41, 3, 4)),
                unary("var dim correction 1", x -> x.var(dims(1), false, 1), randn(42, 3, 4)),
                unary("var dims keepDim correction 0", x -> x.var(dims(0, 2), true, 0), randn(43, 2, 3, 4)),
                unary("var negative dim keepDim correction 1", x -> x.var(dims(-1), true, 1), randn(44, 2, 3, 4)),
                unary("var of transpose", x -> x.t().var(dims(0), false, 1), randn(45, 3, 4)),
                unary("std all", x -> x.std(null, false, 1), randn(46, 3, 4)),
                unary("std dim correction 0", x -> x.std(dims(0), false, 0), randn(47, 3, 4)),
                unary("std dims keepDim", x -> x.std(dims(1, 2), true, 1), randn(48, 2, 3, 4)),
                unary("std of stepped slice", x -> x.slice(1, 0, 8, 2).std(dims(1), true, 0), randn(49, 3, 8)));
    }

    private static List<GradCase> softmaxCases() {
        return List.of(
                unary("softmax dim 0", x -> x.softmax(0), randn(50, 3, 4)),
                unary("softmax dim 1", x -> x.softmax(1), randn(51, 3, 4)),
                unary("softmax dim -1 of 3-D", x -> x.softmax(-1), randn(52, 2, 3, 4)),
                unary("softmax middle dim of 3-D", x -> x.softmax(1), randn(53, 2, 3, 4)),
                unary("softmax dim -3", x -> x.softmax(-3), randn(54, 2, 3, 4)),
                unary("softmax large logits", x -> x.mul(30).softmax(-1), randn(55, 3, 4)),
                unary("softmax of transpose", x -> x.t().softmax(-1), randn(56, 3, 4)),
                unary("softmax of expanded", x -> x.expand(2, 3, 4).softmax(1), randn(57, 3, 1)),
                unary("softmax of 1-D", x -> x.softmax(0), randn(58, 5)),
                unary("softmax of 0-d", x -> x.softmax(0).mul(x), randn(59)),
                unary("softmax with transposed upstream gradient", x -> x.softmax(1).t(), randn(67, 3, 4)),
                unary("softmax with -inf mask", x -> Tensor.where(MASK, x, Tensor.scalar(Double.NEGATIVE_INFINITY, DType.FLOAT64))
                        .softmax(-1), randn(68, 3, 4)),
                unary("logSoftmax dim 0", x -> x.logSoftmax(0), randn(60, 3, 4)),
                unary("logSoftmax dim -1", x -> x.logSoftmax(-1), randn(61, 3, 4)),
                unary("logSoftmax middle dim of 3-D", x -> x.logSoftmax(1), randn(62, 2, 3, 4)),
                unary("logSoftmax dim -2 of 3-D", x -> x.logSoftmax(-2), randn(63, 2, 3, 4)),
                unary("logSoftmax large logits", x -> x.mul(30).logSoftmax(1), randn(64, 3, 4)),
                unary("logSoftmax of stepped slice", x -> x.slice(1, 0, 8, 2).logSoftmax(1), randn(65, 3, 8)),
                unary("logSoftmax of transpose", x -> x.transpose(0, 2).logSoftmax(0), randn(66, 2, 3, 4)),
                unary("logSoftmax of 0-d", x -> x.logSoftmax(-1).add(x), randn(69)),
                unary("logSoftmax with stepped upstream gradient", x -> x.logSoftmax(0).slice(1, 0, 4, 2), randn(77, 3, 4)));
    }

    private static List<GradCase> sumToCases() {
        return List.of(
                unary("sumTo [3,1]", x -> x.sumTo(3, 1), randn(70, 2, 3, 4)),
                unary("sumTo [4]", x -> x.sumTo(4), randn(71, 2, 3, 4)),
                unary("sumTo [1,1,4]", x -> x.sumTo(1, 1, 4), randn(72, 2, 3, 4)),
                unary("sumTo [] (0-d)", x -> x.sumTo(), randn(73, 2, 3)),
                unary("sumTo same shape", x -> x.sumTo(2, 3).exp(), randn(74, 2, 3)),
                unary("sumTo of transpose", x -> x.t().sumTo(1, 3), randn(75, 3, 4)),
                unary("sumTo of expanded", x -> x.expand(2, 3, 4).sumTo(3, 1), randn(76, 3, 1)));
    }
}
