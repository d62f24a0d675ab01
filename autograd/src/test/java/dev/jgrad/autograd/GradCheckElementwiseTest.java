package dev.jgrad.autograd;

import static dev.jgrad.autograd.GradCases.binary;
import static dev.jgrad.autograd.GradCases.gc;
import static dev.jgrad.autograd.GradCases.randn;
import static dev.jgrad.autograd.GradCases.spread;
import static dev.jgrad.autograd.GradCases.unary;
import static dev.jgrad.autograd.GradCases.uniform;

import dev.jgrad.autograd.GradCases.GradCase;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Gradient checks of the elementwise ops: unary functions, arithmetic with broadcasting, where, clamp, casts. */
class GradCheckElementwiseTest {

    static Stream<GradCase> cases() {
        return Stream.of(unaryCases(), powCases(), clampCases(), arithmeticCases(), comparisonCases(), castCases())
                .flatMap(List::stream);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradcheck(GradCase c) {
        GradCases.assertPasses(c);
    }

    private static List<GradCase> unaryCases() {
        return List.of(
                unary("neg", Tensor::neg, randn(1, 3, 4)),
                unary("neg of transpose", x -> x.t().neg(), randn(2, 3, 4)),
                unary("exp", Tensor::exp, randn(3, 3, 4)),
                unary("exp of stepped slice", x -> x.slice(1, 0, 6, 2).exp(), randn(4, 4, 6)),
                unary("exp of 0-d", Tensor::exp, randn(5)),
                unary("expm1", Tensor::expm1, randn(150, 3, 4)),
                unary("expm1 near 0", x -> x.mul(1e-3).expm1(), randn(151, 5)),
                unary("expm1 of a transpose", x -> x.t().expm1(), randn(152, 3, 4)),
                unary("log", Tensor::log, uniform(6, 0.5, 2, 3, 4)),
                unary("log of transpose", x -> x.transpose(0, 2).log(), uniform(7, 0.5, 2, 2, 3, 4)),
                unary("sqrt", Tensor::sqrt, uniform(8, 0.5, 2, 3, 4)),
                unary("sqrt of expanded", x -> x.expand(3, 4).sqrt(), uniform(9, 0.5, 2, 3, 1)),
                unary("abs", Tensor::abs, spread(10, 3, 4)),
                unary("abs of expanded", x -> x.expand(2, 3, 4).abs(), spread(11, 3, 1)),
                unary("relu", Tensor::relu, spread(12, 3, 4)),
                unary("relu of stepped slice", x -> x.slice(0, 1, 6, 2).relu(), spread(13, 6, 4)),
                unary("sigmoid", Tensor::sigmoid, randn(14, 3, 4).mul(2)),
                unary("sigmoid of transpose", x -> x.t().sigmoid(), randn(15, 3, 4)),
                unary("tanh", Tensor::tanh, randn(16, 3, 4)),
                unary("tanh of expanded", x -> x.expand(4, 3).tanh(), randn(17, 3)),
                unary("erf", Tensor::erf, randn(18, 3, 4)),
                unary("erf of transpose", x -> x.t().erf(), randn(19, 4, 3)),
                unary("gelu exact", Tensor::gelu, randn(20, 3, 4).mul(2)),
                unary("gelu exact of stepped slice", x -> x.slice(1, 1, 8, 3).gelu(), randn(21, 3, 8)),
                unary("gelu tanh", x -> x.gelu(true), randn(22, 3, 4).mul(2)),
                unary("gelu tanh of transpose", x -> x.t().gelu(true), randn(23, 3, 4)),
                unary("sin", Tensor::sin, randn(24, 3, 4).mul(2)),
                unary("sin of expanded", x -> x.expand(2, 4).sin(), randn(25, 1, 4)),
                unary("cos", Tensor::cos, randn(26, 3, 4).mul(2)),
                unary("cos of transpose", x -> x.t().cos(), randn(27, 3, 4)),
                unary("square", Tensor::square, randn(28, 3, 4)),
                unary("square of stepped slice", x -> x.slice(0, 0, 5, 2).square(), randn(29, 5, 2)),
                unary("exp with transposed upstream gradient", x -> x.exp().t(), randn(31, 3, 4)),
                unary("chain exp·sin·tanh", x -> x.exp().sin().tanh().mul(x), randn(30, 2, 3)));
    }

    private static List<GradCase> powCases() {
        return List.of(
                unary("pow 2", x -> x.pow(2), randn(40, 3, 4)),
                unary("pow 3", x -> x.pow(3), randn(41, 3, 4)),
                unary("pow -2", x -> x.pow(-2), spread(42, 3, 4)),
                unary("pow 1", x -> x.pow(1), randn(43, 3, 4)),
                unary("pow 0", x -> x.pow(0), randn(44, 3, 4)),
                unary("pow 0.5", x -> x.pow(0.5), uniform(45, 0.5, 2, 3, 4)),
                unary("pow 1.5", x -> x.pow(1.5), uniform(46, 0.5, 2, 3, 4)),
                unary("pow -0.5", x -> x.pow(-0.5), uniform(47, 0.5, 2, 3, 4)),
                unary("pow 2.5 of transpose", x -> x.t().pow(2.5), uniform(48, 0.5, 2, 3, 4)),
                binary("pow tensor", Tensor::pow, uniform(49, 0.5, 2, 3, 4), randn(50, 3, 4)),
                binary("pow tensor broadcast [3,1,4]^[5,1]", Tensor::pow, uniform(51, 0.5, 2, 3, 1, 4), randn(52, 5, 1)),
                binary("pow tensor with 0-d exponent", Tensor::pow, uniform(53, 0.5, 2, 2, 3), randn(54)),
                binary("pow 0-d base", Tensor::pow, uniform(55, 0.5, 2), randn(56, 2, 3)),
                unary("pow negative base, constant integer exponents", x -> x.pow(Tensor.of(new double[] {2, 3, -1, 4}, 1, 4)),
                        spread(59, 3, 4)),
                unary("pow tensor polynomial features x^[0,1,2,3] at x = 0",
                        x -> x.unsqueeze(-1).pow(Tensor.of(new double[] {0, 1, 2, 3})), Tensor.of(new double[] {0, 0.5, -1.5})),
                binary("pow tensor non-contiguous", (a, b) -> a.t().pow(b.slice(1, 0, 8, 2)),
                        uniform(57, 0.5, 2, 4, 3), randn(58, 3, 8)));
    }

    private static List<GradCase> clampCases() {
        // spread() values keep at least 0.03 away from the bounds, which lie on the 0.1 grid
        return List.of(
                unary("clamp", x -> x.clamp(-0.3, 0.4), spread(60, 4, 5)),
                unary("clamp of transpose", x -> x.t().clamp(-0.2, 0.2), spread(61, 4, 5)),
                unary("clampMin", x -> x.clampMin(-0.2), spread(62, 4, 5)),
                unary("clampMin of expanded", x -> x.expand(3, 5).clampMin(0.1), spread(63, 1, 5)),
                unary("clampMax", x -> x.clampMax(0.3), spread(64, 4, 5)),
                unary("clampMax of stepped slice", x -> x.slice(1, 0, 10, 2).clampMax(0), spread(65, 4, 10)),
                unary("clamp unbounded", x -> x.clamp(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY), randn(66, 3, 4)));
    }

    private static List<GradCase> arithmeticCases() {
        return List.of(
                binary("add", Tensor::add, randn(70, 3, 4), randn(71, 3, 4)),
                binary("add broadcast [3,1,4]+[5,1]", Tensor::add, randn(72, 3, 1, 4), randn(73, 5, 1)),
                binary("add 0-d", Tensor::add, randn(74, 2, 3), randn(75)),
                binary("add non-contiguous", (a, b) -> a.t().add(b.expand(4, 3)), randn(76, 3, 4), randn(77, 3)),
                unary("add scalar", x -> x.add(2.5), randn(78, 3, 4)),
                unary("add itself", x -> x.add(x), randn(79, 3, 4)),
                binary("sub", Tensor::sub, randn(80, 3, 4), randn(81, 3, 4)),
                binary("sub broadcast [5,1]-[3,1,4]", Tensor::sub, randn(82, 5, 1), randn(83, 3, 1, 4)),
                binary("sub 0-d minus tensor", Tensor::sub, randn(84), randn(85, 2, 3)),
                binary("sub non-contiguous", (a, b) -> a.slice(0, 0, 6, 2).sub(b.t()), randn(86, 6, 4), randn(87, 4, 3)),
                unary("sub scalar", x -> x.sub(1.5), randn(88, 3, 4)),
                binary("mul", Tensor::mul, randn(90, 3, 4), randn(91, 3, 4)),
                binary("mul broadcast [3,1,4]*[5,1]", Tensor::mul, randn(92, 3, 1, 4), randn(93, 5, 1)),
                binary("mul 0-d", Tensor::mul, randn(94, 2, 3), randn(95)),
                binary("mul 0-d by 0-d", Tensor::mul, randn(96), randn(97)),
                binary("mul non-contiguous", (a, b) -> a.t().mul(b.expand(2, 4, 3)), randn(98, 3, 4), randn(99, 1, 3)),
                unary("mul scalar", x -> x.mul(-3), randn(100, 3, 4)),
                unary("mul itself", x -> x.mul(x), randn(101, 3, 4)),
                binary("div", Tensor::div, randn(110, 3, 4), spread(111, 3, 4)),
                binary("div broadcast [3,1,4]/[5,1]", Tensor::div, randn(112, 3, 1, 4), uniform(113, 0.5, 2, 5, 1)),
                binary("div 0-d denominator", Tensor::div, randn(114, 2, 3), uniform(115, 0.5, 2)),
                binary("div 0-d numerator", Tensor::div, randn(116), uniform(117, 0.5, 2, 2, 3)),
                binary("div non-contiguous", (a, b) -> a.t().div(b.slice(1, 1, 7, 2)), randn(118, 3, 4), uniform(119, 0.5, 2, 4, 7)),
                unary("div scalar", x -> x.div(0.7), randn(120, 3, 4)),
                unary("div itself squared", x -> x.div(x.mul(x)), uniform(121, 0.5, 2, 3, 4)));
    }

    private static List<GradCase> comparisonCases() {
        // a from spread() sits ≥ 0.03 off the 0.1 grid, b = spread + 0.05 within 0.02 of it: |a − b| ≥ 0.01, no ties
        Tensor cond314 = randn(140, 3, 1, 4).gt(0);
        Tensor cond34 = randn(141, 3, 4).gt(0);
        return List.of(
                binary("maximum", Tensor::maximum, spread(130, 3, 4), spread(131, 3, 4).add(0.05)),
                binary("maximum broadcast [3,1,4] [5,1]", Tensor::maximum, spread(132, 3, 1, 4), spread(133, 5, 1).add(0.05)),
                binary("maximum 0-d", Tensor::maximum, spread(134, 2, 3), Tensor.scalar(0.05, DType.FLOAT64)),
                binary("maximum non-contiguous", (a, b) -> a.t().maximum(b.slice(0, 0, 8, 2)), spread(135, 3, 4),
                        spread(136, 8, 3).add(0.05)),
                binary("minimum", Tensor::minimum, spread(137, 3, 4), spread(138, 3, 4).add(0.05)),
                binary("minimum broadcast [5,1] [3,1,4]", Tensor::minimum, spread(139, 5, 1), spread(142, 3, 1, 4).add(0.05)),
                binary("minimum non-contiguous", (a, b) -> a.expand(3, 4).minimum(b.t()), spread(143, 1, 4), spread(144, 4, 3).add(0.05)),
                binary("where", (a, b) -> Tensor.where(cond34, a, b), randn(145, 3, 4), randn(146, 3, 4)),
                binary("where broadcast [3,1,4] [5,1] 0-d", (a, b) -> Tensor.where(cond314, a, b), randn(147, 5, 1), randn(148)),
                binary("where non-contiguous", (a, b) -> Tensor.where(cond34, a.t(), b.expand(3, 4)), randn(149, 4, 3), randn(150, 4)));
    }

    private static List<GradCase> castCases() {
        // float32 keeps ~7 digits: a larger step and looser tolerances than the float64 default
        return List.of(
                new GradCase("to float32 and back", xs -> xs.get(0).to(DType.FLOAT32).mul(2).to(DType.FLOAT64),
                        List.of(randn(160, 3, 4)), 1e-3, 1e-4, 1e-3),
                new GradCase("exp in float32", xs -> xs.get(0).t().to(DType.FLOAT32).exp().to(DType.FLOAT64),
                        List.of(randn(161, 3, 4)), 1e-3, 1e-4, 1e-3),
                new GradCase("float32 times float64", xs -> xs.get(0).to(DType.FLOAT32).mul(xs.get(1)),
                        List.of(randn(162, 3, 4), randn(163, 3, 4)), 1e-3, 1e-4, 1e-3),
                unary("to float64 is identity", x -> x.to(DType.FLOAT64).exp(), randn(164, 3)),
                unary("clone", Tensor::clone, randn(165, 3, 4)),
                unary("clone of transpose", x -> x.t().clone().mul(x.t()), randn(166, 3, 4)),
                gc("clone of stepped slice", xs -> xs.get(0).slice(1, 0, 5, 2).clone().exp(), randn(167, 2, 5)));
    }
}
