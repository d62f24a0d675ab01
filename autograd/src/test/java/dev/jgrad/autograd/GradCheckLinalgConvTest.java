package dev.jgrad.autograd;

import static dev.jgrad.autograd.GradCases.binary;
import static dev.jgrad.autograd.GradCases.gc;
import static dev.jgrad.autograd.GradCases.randn;
import static dev.jgrad.autograd.GradCases.spread;
import static dev.jgrad.autograd.GradCases.unary;

import dev.jgrad.autograd.GradCases.GradCase;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Gradient checks of matmul (all of PyTorch's shape cases), conv2d, the two poolings, fused attention and fused layer norm. */
class GradCheckLinalgConvTest {

    static Stream<GradCase> cases() {
        return Stream.of(matmulCases(), convCases(), convTransposeCases(), maxPoolCases(), avgPoolCases(), attentionCases(), layerNormCases(), groupNormCases()).flatMap(List::stream);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradcheck(GradCase c) {
        GradCases.assertPasses(c);
    }

    private static int[] p(int... v) {
        return v;
    }

    private static List<GradCase> matmulCases() {
        return List.of(
                binary("matmul 2-D", Tensor::matmul, randn(1, 3, 4), randn(2, 4, 5)),
                binary("matmul batched", Tensor::matmul, randn(3, 2, 3, 4), randn(4, 2, 4, 5)),
                binary("matmul broadcast batch 2-D @ 3-D", Tensor::matmul, randn(5, 3, 4), randn(6, 2, 4, 5)),
                binary("matmul broadcast batch 3-D @ 2-D", Tensor::matmul, randn(7, 2, 3, 4), randn(8, 4, 5)),
                binary("matmul broadcast batch [2,1] @ [3]", Tensor::matmul, randn(9, 2, 1, 3, 4), randn(10, 3, 4, 2)),
                binary("matmul 1-D @ 1-D (dot)", Tensor::matmul, randn(11, 4), randn(12, 4)),
                binary("matmul 1-D @ 2-D", Tensor::matmul, randn(13, 4), randn(14, 4, 5)),
                binary("matmul 2-D @ 1-D", Tensor::matmul, randn(15, 3, 4), randn(16, 4)),
                binary("matmul 1-D @ 3-D", Tensor::matmul, randn(17, 4), randn(18, 2, 4, 5)),
                binary("matmul 3-D @ 1-D", Tensor::matmul, randn(19, 2, 3, 4), randn(20, 4)),
                binary("matmul transposed operands", (a, b) -> a.t().matmul(b.t()), randn(21, 4, 3), randn(22, 5, 4)),
                binary("matmul stepped slice and expanded", (a, b) -> a.slice(1, 0, 8, 2).matmul(b.expand(2, 4, 3)),
                        randn(23, 3, 8), randn(24, 4, 3)),
                binary("matmul batched transposes", (a, b) -> a.transpose(1, 2).matmul(b.permute(2, 0, 1)),
                        randn(25, 2, 4, 3), randn(26, 4, 5, 2)),
                binary("matmul broadcast batch of size 1", Tensor::matmul, randn(31, 2, 3, 4), randn(32, 1, 4, 5)),
                binary("matmul stepped 1-D @ 1-D", (a, b) -> a.slice(0, 0, 8, 2).matmul(b), randn(33, 8), randn(34, 4)),
                binary("matmul with transposed upstream gradient", (a, b) -> a.matmul(b).t(), randn(35, 3, 4), randn(36, 4, 5)),
                unary("matmul with itself", x -> x.matmul(x.t()).tanh(), randn(27, 3, 4)),
                gc("matmul chain", xs -> xs.get(0).matmul(xs.get(1)).tanh().matmul(xs.get(2)),
                        randn(28, 2, 3), randn(29, 3, 4), randn(30, 4, 2)));
    }

    private static List<GradCase> attentionCases() {
        Tensor someHidden = Tensor.of(new boolean[] {true, false, true, true, true, true, false, true, true, true, true, false}, 3, 4);
        Tensor floatMask = randn(49, 3, 4);   // a constant: the fused op does not differentiate its mask
        Tensor rowHidden = Tensor.of(new boolean[] {true, true, true, true, false, false, false, false, true, false, true, true}, 3, 4);
        return List.of(
                gc("attention", xs -> Tensor.scaledDotProductAttention(xs.get(0), xs.get(1), xs.get(2), null, false, Double.NaN),
                        randn(40, 2, 3, 4), randn(41, 2, 5, 4), randn(42, 2, 5, 4)),
                gc("attention causal, heads [2, 2]", xs -> Tensor.scaledDotProductAttention(xs.get(0), xs.get(1), xs.get(2), null, true, 0.7),
                        randn(43, 2, 2, 4, 3), randn(44, 2, 2, 4, 3), randn(45, 2, 2, 4, 3)),
                gc("attention float mask broadcast over the batch", xs -> Tensor.scaledDotProductAttention(xs.get(0), xs.get(1), xs.get(2),
                        floatMask, false, Double.NaN), randn(46, 2, 3, 4), randn(47, 2, 4, 4), randn(48, 2, 4, 4)),
                gc("attention bool mask and causal", xs -> Tensor.scaledDotProductAttention(xs.get(0), xs.get(1), xs.get(2), someHidden, true,
                        Double.NaN), randn(50, 3, 4), randn(51, 4, 4), randn(52, 4, 4)),
                gc("attention with a fully hidden query row", xs -> Tensor.scaledDotProductAttention(xs.get(0), xs.get(1), xs.get(2),
                        rowHidden, false, Double.NaN), randn(53, 2, 3, 2), randn(54, 2, 4, 2), randn(55, 2, 4, 2)),
                gc("attention on transposed views", xs -> Tensor.scaledDotProductAttention(xs.get(0).transpose(0, 1), xs.get(1).transpose(0, 1),
                        xs.get(2).transpose(0, 1), null, false, Double.NaN), randn(56, 3, 2, 4), randn(57, 5, 2, 4), randn(58, 5, 2, 4)),
                gc("attention with another value width (composed path)", xs -> Tensor.scaledDotProductAttention(xs.get(0), xs.get(1), xs.get(2),
                        null, true, Double.NaN), randn(59, 2, 3, 4), randn(60, 2, 3, 4), randn(61, 2, 3, 6)));
    }

    private static List<GradCase> layerNormCases() {
        return List.of(
                gc("layer norm affine, one dim", xs -> xs.get(0).layerNorm(p(5), xs.get(1), xs.get(2), 1e-5),
                        randn(70, 3, 5), randn(71, 5), randn(72, 5)),
                gc("layer norm without affine", xs -> xs.get(0).layerNorm(p(4), null, null, 1e-5), randn(73, 2, 3, 4)),
                gc("layer norm affine, two dims", xs -> xs.get(0).layerNorm(p(3, 4), xs.get(1), xs.get(2), 1e-5),
                        randn(74, 2, 3, 4), randn(75, 3, 4), randn(76, 3, 4)),
                gc("layer norm without affine, two dims", xs -> xs.get(0).layerNorm(p(2, 3), null, null, 0.01), randn(77, 4, 2, 3)),
                gc("layer norm weight only, leading batch dims", xs -> xs.get(0).layerNorm(p(4), xs.get(1), null, 1e-5),
                        randn(78, 2, 2, 3, 4), randn(79, 4)),
                gc("layer norm bias only", xs -> xs.get(0).layerNorm(p(6), null, xs.get(1), 1e-5), randn(80, 3, 6), randn(81, 6)),
                gc("layer norm of a transposed input", xs -> xs.get(0).t().layerNorm(p(5), xs.get(1), xs.get(2), 1e-5),
                        randn(82, 5, 3), randn(83, 5), randn(84, 5)),
                gc("layer norm of a permuted input, two dims", xs -> xs.get(0).permute(1, 0, 2).layerNorm(p(3, 4), xs.get(1), xs.get(2), 1e-5),
                        randn(85, 3, 2, 4), randn(86, 3, 4), randn(87, 3, 4)),
                gc("layer norm after another op (non-leaf input)", xs -> xs.get(0).mul(2).tanh().layerNorm(p(4), xs.get(1), xs.get(2), 1e-5)
                        .square(), randn(88, 3, 4), randn(89, 4), randn(90, 4)));
    }

    private static List<GradCase> groupNormCases() {
        return List.of(
                gc("group norm affine", xs -> xs.get(0).groupNorm(2, xs.get(1), xs.get(2), 1e-5), randn(160, 2, 4, 3, 2), randn(161, 4),
                        randn(162, 4)),
                unary("group norm without affine, one group", x -> x.groupNorm(1, null, null, 1e-5), randn(163, 3, 3, 4)),
                gc("group norm one channel per group, weight only", xs -> xs.get(0).groupNorm(3, xs.get(1), null, 1e-3),
                        randn(164, 2, 3, 5), randn(165, 3)),
                gc("group norm bias only, no positions", xs -> xs.get(0).groupNorm(2, null, xs.get(1), 1e-5), randn(166, 3, 6), randn(167, 6)),
                gc("group norm of a permuted input", xs -> xs.get(0).permute(0, 3, 1, 2).groupNorm(2, xs.get(1), xs.get(2), 1e-5),
                        randn(168, 2, 3, 2, 4), randn(169, 4), randn(170, 4)),
                gc("group norm after another op (non-leaf input)", xs -> xs.get(0).mul(2).tanh().groupNorm(2, xs.get(1), xs.get(2), 1e-5).square(),
                        randn(171, 2, 4, 3), randn(172, 4), randn(173, 4)));
    }

    private static List<GradCase> convTransposeCases() {
        return List.of(
                gc("conv transpose with bias", xs -> xs.get(0).convTranspose2d(xs.get(1), xs.get(2), p(1), p(0), p(0), p(1), 1),
                        randn(140, 2, 3, 3, 4), randn(141, 3, 2, 3, 3), randn(142, 2)),
                binary("conv transpose stride 2 padding 1 output padding 1", (x, w) -> x.convTranspose2d(w, null, p(2), p(1), p(1), p(1), 1),
                        randn(143, 1, 2, 3, 3), randn(144, 2, 3, 3, 3)),
                gc("conv transpose per-axis stride padding dilation", xs -> xs.get(0).convTranspose2d(xs.get(1), xs.get(2), p(1, 2), p(1, 0),
                        p(0, 1), p(2, 1), 1), randn(145, 1, 2, 4, 3), randn(146, 2, 2, 2, 3), randn(147, 2)),
                gc("conv transpose groups 2", xs -> xs.get(0).convTranspose2d(xs.get(1), xs.get(2), p(2), p(1), p(0), p(1), 2),
                        randn(148, 2, 4, 3, 3), randn(149, 4, 1, 3, 3), randn(150, 2)),
                binary("conv transpose output padding at least the stride (below the dilation)",
                        (x, w) -> x.convTranspose2d(w, null, p(1), p(1), p(1), p(2), 1), randn(151, 1, 2, 3, 3), randn(152, 2, 2, 3, 3)),
                gc("conv transpose of non-contiguous input and weight", xs -> xs.get(0).permute(0, 3, 1, 2)
                        .convTranspose2d(xs.get(1).transpose(2, 3), xs.get(2), p(2), p(0), p(1), p(1), 1),
                        randn(153, 2, 3, 3, 2), randn(154, 2, 3, 2, 2), randn(155, 3)),
                gc("conv then conv transpose (an autoencoder)", xs -> xs.get(0).conv2d(xs.get(1), null, 2, 1).tanh()
                        .convTranspose2d(xs.get(2), null, p(2), p(1), p(1), p(1), 1), randn(156, 1, 2, 6, 6), randn(157, 3, 2, 3, 3),
                        randn(158, 3, 2, 3, 3)));
    }

    private static List<GradCase> convCases() {
        return List.of(
                gc("conv2d with bias", xs -> xs.get(0).conv2d(xs.get(1), xs.get(2)),
                        randn(40, 2, 3, 5, 5), randn(41, 4, 3, 3, 3), randn(42, 4)),
                binary("conv2d without bias", (x, w) -> x.conv2d(w, null), randn(43, 2, 3, 5, 5), randn(44, 4, 3, 3, 3)),
                gc("conv2d stride 2 padding 1", xs -> xs.get(0).conv2d(xs.get(1), xs.get(2), 2, 1),
                        randn(45, 1, 2, 6, 6), randn(46, 3, 2, 3, 3), randn(47, 3)),
                binary("conv2d dilation 2", (x, w) -> x.conv2d(w, null, p(1), p(0), p(2), 1),
                        randn(48, 1, 2, 6, 6), randn(49, 2, 2, 2, 2)),
                gc("conv2d per-axis stride padding dilation", xs -> xs.get(0).conv2d(xs.get(1), xs.get(2), p(1, 2), p(2, 0), p(1, 2), 1),
                        randn(50, 1, 2, 5, 7), randn(51, 3, 2, 3, 2), randn(52, 3)),
                gc("conv2d groups 2", xs -> xs.get(0).conv2d(xs.get(1), xs.get(2), p(1), p(1), p(1), 2),
                        randn(53, 1, 4, 4, 4), randn(54, 6, 2, 3, 3), randn(55, 6)),
                binary("conv2d depthwise", (x, w) -> x.conv2d(w, null, p(1), p(1), p(1), 3),
                        randn(56, 2, 3, 4, 4), randn(57, 3, 1, 3, 3)),
                gc("conv2d depthwise channel multiplier 2, stride 2", xs -> xs.get(0).conv2d(xs.get(1), xs.get(2), p(2), p(1), p(1), 3),
                        randn(58, 1, 3, 5, 5), randn(59, 6, 1, 3, 3), randn(60, 6)),
                binary("conv2d 1x1 kernel stride 2", (x, w) -> x.conv2d(w, null, 2, 0), randn(61, 1, 3, 5, 5), randn(62, 2, 3, 1, 1)),
                gc("conv2d non-contiguous input, weight and bias", xs -> xs.get(0).permute(0, 3, 1, 2)
                        .conv2d(xs.get(1).transpose(0, 1), xs.get(2).slice(0, 0, 6, 2), 1, 1),
                        randn(63, 2, 4, 4, 3), randn(64, 3, 3, 3, 3), randn(65, 6)),
                binary("conv2d expanded input", (x, w) -> x.expand(2, 2, 4, 4).conv2d(w, null), randn(66, 1, 1, 4, 4), randn(67, 2, 2, 3, 3)),
                binary("conv2d stride leaves trailing input unused", (x, w) -> x.conv2d(w, null, 2, 0), randn(71, 1, 2, 6, 6), randn(72, 2, 2, 3, 3)),
                binary("conv2d with permuted upstream gradient", (x, w) -> x.conv2d(w, null, 1, 1).permute(0, 2, 3, 1),
                        randn(73, 1, 2, 4, 4), randn(74, 3, 2, 3, 3)),
                binary("conv2d then sum (stride-0 upstream gradient)", (x, w) -> x.conv2d(w, null).sum(), randn(75, 1, 2, 4, 4), randn(76, 2, 2, 3, 3)),
                gc("conv2d then relu then conv2d", xs -> xs.get(0).conv2d(xs.get(1), null, 1, 1).tanh().conv2d(xs.get(2), null),
                        randn(68, 1, 2, 4, 4), randn(69, 3, 2, 3, 3), randn(70, 2, 3, 2, 2)));
    }

    private static List<GradCase> maxPoolCases() {
        // spread() values are distinct: every window has a unique maximum
        return List.of(
                unary("maxPool2d 2", x -> x.maxPool2d(2), spread(80, 2, 2, 4, 4)),
                unary("maxPool2d overlapping windows", x -> x.maxPool2d(p(3), p(1), p(0), p(1), false), spread(81, 1, 2, 5, 5)),
                unary("maxPool2d padding 1 stride 2", x -> x.maxPool2d(p(3), p(2), p(1), p(1), false), spread(82, 1, 2, 5, 5)),
                unary("maxPool2d dilation 2", x -> x.maxPool2d(p(2), p(1), p(0), p(2), false), spread(83, 1, 1, 5, 5)),
                unary("maxPool2d ceilMode", x -> x.maxPool2d(p(2), p(2), p(0), p(1), true), spread(84, 1, 2, 5, 5)),
                unary("maxPool2d ceilMode padding", x -> x.maxPool2d(p(3), p(2), p(1), p(1), true), spread(85, 1, 1, 6, 6)),
                unary("maxPool2d per-axis", x -> x.maxPool2d(p(2, 3), p(1, 2), p(1, 1), p(1, 2), true), spread(86, 1, 2, 5, 7)),
                unary("maxPool2d of transpose", x -> x.transpose(2, 3).maxPool2d(p(2), p(1), p(0), p(1), false), spread(87, 1, 2, 4, 5)),
                unary("maxPool2d leaves trailing input unused", x -> x.maxPool2d(p(2), p(2), p(0), p(1), false), spread(89, 1, 1, 5, 5)),
                unary("maxPool2d with transposed upstream gradient", x -> x.maxPool2d(2).transpose(2, 3), spread(79, 1, 2, 4, 6)),
                unary("maxPool2d then sum", x -> x.maxPool2d(p(3), p(1), p(1), p(1), false).sum(), spread(78, 1, 1, 4, 4)),
                unary("maxPool2d of permute", x -> x.permute(0, 3, 1, 2).maxPool2d(2), spread(88, 1, 4, 4, 2)));
    }

    private static List<GradCase> avgPoolCases() {
        return List.of(
                unary("avgPool2d 2", x -> x.avgPool2d(2), randn(90, 2, 2, 4, 4)),
                unary("avgPool2d overlapping windows", x -> x.avgPool2d(p(3), p(1), p(0), false, true), randn(91, 1, 2, 5, 5)),
                unary("avgPool2d padding countIncludePad", x -> x.avgPool2d(p(3), p(2), p(1), false, true), randn(92, 1, 2, 5, 5)),
                unary("avgPool2d padding excluding pad", x -> x.avgPool2d(p(3), p(2), p(1), false, false), randn(93, 1, 2, 5, 5)),
                unary("avgPool2d ceilMode countIncludePad", x -> x.avgPool2d(p(2), p(2), p(0), true, true), randn(94, 1, 2, 5, 5)),
                unary("avgPool2d ceilMode excluding pad", x -> x.avgPool2d(p(2), p(2), p(0), true, false), randn(95, 1, 2, 5, 5)),
                unary("avgPool2d ceilMode padding countIncludePad", x -> x.avgPool2d(p(3), p(2), p(1), true, true), randn(96, 1, 1, 6, 6)),
                unary("avgPool2d ceilMode padding excluding pad", x -> x.avgPool2d(p(3), p(2), p(1), true, false), randn(97, 1, 1, 6, 6)),
                unary("avgPool2d per-axis", x -> x.avgPool2d(p(2, 3), p(1, 2), p(1, 1), true, false), randn(98, 1, 2, 5, 7)),
                unary("avgPool2d of transpose", x -> x.transpose(2, 3).avgPool2d(p(2), p(1), p(0), false, true), randn(99, 1, 2, 4, 5)),
                unary("avgPool2d leaves trailing input unused", x -> x.avgPool2d(p(2), p(2), p(0), false, true), randn(101, 1, 1, 5, 5)),
                unary("avgPool2d with transposed upstream gradient", x -> x.avgPool2d(2).transpose(2, 3), randn(102, 1, 2, 4, 6)),
                unary("avgPool2d then sum", x -> x.avgPool2d(p(3), p(1), p(1), false, false).sum(), randn(103, 1, 1, 4, 4)),
                unary("avgPool2d of expanded", x -> x.expand(2, 3, 4, 4).avgPool2d(p(2), p(2), p(1), true, false), randn(100, 1, 1, 4, 4)));
    }
}
