package dev.jgrad.autograd;

import static dev.jgrad.autograd.GradCases.gc;
import static dev.jgrad.autograd.GradCases.randn;
import static dev.jgrad.autograd.GradCases.unary;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.autograd.GradCases.GradCase;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradient checks of the views and data movement: reshape, view, permute, transpose, expand,
 * slice, narrow, select, squeeze, unsqueeze, flatten, contiguous, cat, stack. Most views are
 * followed by a nonlinear op so that a misrouted gradient changes the result.
 */
class GradCheckViewTest {

    static Stream<GradCase> cases() {
        return Stream.of(reshapeCases(), permuteCases(), sliceCases(), catCases()).flatMap(List::stream);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradcheck(GradCase c) {
        GradCases.assertPasses(c);
    }

    @Test
    void indexingViewsOfA0dTensorFailWithAClearMessage() {
        Tensor x = Tensor.scalar(2.0);
        for (Executable op : List.<Executable>of(() -> x.slice(0, 0, 1, 1), () -> x.narrow(0, 0, 1), () -> x.select(0, 0))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, op);
            assertTrue(e.getMessage().contains("0-d"), e.getMessage());
        }
    }

    private static List<GradCase> reshapeCases() {
        Tensor w = randn(100, 6, 4);
        return List.of(
                unary("reshape", x -> x.reshape(4, 3).mul(w.narrow(0, 0, 4).narrow(1, 0, 3)), randn(1, 3, 4)),
                unary("reshape with -1", x -> x.reshape(2, -1).sin(), randn(2, 3, 4)),
                unary("reshape of transpose (copies)", x -> x.t().reshape(12).sin(), randn(3, 3, 4)),
                unary("reshape of expanded (copies)", x -> x.expand(2, 3, 4).reshape(6, 4).mul(w), randn(4, 3, 1)),
                unary("reshape to 0-d", x -> x.reshape().exp(), randn(5, 1, 1)),
                unary("reshape of 0-d", x -> x.reshape(1, 1).exp(), randn(6)),
                unary("view", x -> x.view(2, 6).sin(), randn(7, 3, 4)),
                unary("view with -1", x -> x.view(-1, 2).sin(), randn(8, 2, 3, 2)),
                unary("view of stepped slice", x -> x.slice(0, 0, 6, 2).view(3, 2, 2).sin(), randn(9, 6, 4)),
                unary("view of transpose made contiguous", x -> x.t().contiguous().view(12).sin(), randn(10, 3, 4)),
                unary("squeeze", x -> x.squeeze().sin(), randn(11, 2, 1, 3, 1)),
                unary("squeeze dim", x -> x.squeeze(1).sin(), randn(12, 2, 1, 3)),
                unary("squeeze negative dim", x -> x.squeeze(-1).sin(), randn(13, 2, 3, 1)),
                unary("squeeze of transpose", x -> x.transpose(0, 2).squeeze(1).sin(), randn(14, 3, 1, 4)),
                unary("unsqueeze", x -> x.unsqueeze(1).mul(randn(101, 3, 2, 4)), randn(15, 3, 4)),
                unary("unsqueeze -1", x -> x.unsqueeze(-1).sin(), randn(16, 3, 4)),
                unary("unsqueeze of transpose", x -> x.t().unsqueeze(0).sin(), randn(17, 3, 4)),
                unary("flatten", x -> x.flatten().sin(), randn(18, 2, 3, 4)),
                unary("flatten dims", x -> x.flatten(1, 2).sin(), randn(19, 2, 3, 4)),
                unary("flatten negative dims of permute", x -> x.permute(2, 0, 1).flatten(-2, -1).sin(), randn(20, 2, 3, 4)),
                unary("flatten of 0-d", x -> x.flatten().exp(), randn(21)),
                unary("contiguous of transpose", x -> x.t().contiguous().sin(), randn(22, 3, 4)),
                unary("contiguous of contiguous", x -> x.contiguous().sin(), randn(23, 3, 4)),
                unary("contiguous of expanded", x -> x.expand(3, 4).contiguous().mul(w.narrow(0, 0, 3)), randn(24, 1, 4)));
    }

    private static List<GradCase> permuteCases() {
        Tensor w234 = randn(102, 4, 2, 3);
        return List.of(
                unary("permute", x -> x.permute(2, 0, 1).mul(w234), randn(30, 2, 3, 4)),
                unary("permute negative dims", x -> x.permute(-1, -3, -2).sin(), randn(31, 2, 3, 4)),
                unary("permute twice", x -> x.permute(1, 2, 0).permute(2, 0, 1).sin(), randn(32, 2, 3, 4)),
                unary("transpose", x -> x.transpose(0, 1).sin(), randn(33, 3, 4)),
                unary("transpose negative dims", x -> x.transpose(-1, -3).sin(), randn(34, 2, 3, 4)),
                unary("transpose of 0-d", x -> x.transpose(0, -1).exp(), randn(44)),
                unary("transpose of stepped slice", x -> x.slice(1, 1, 7, 2).transpose(0, 1).sin(), randn(35, 3, 7)),
                unary("t", x -> x.t().mul(w234.select(0, 0)), randn(36, 3, 2)),
                unary("t of 1-D", x -> x.t().sin(), randn(37, 4)),
                unary("expand", x -> x.expand(3, 4).sin(), randn(38, 3, 1)),
                unary("expand new leading dims", x -> x.expand(2, 3, 4).sin(), randn(39, 4)),
                unary("expand with -1", x -> x.expand(2, -1, 4).sin(), randn(40, 3, 1)),
                unary("expand of 0-d", x -> x.expand(2, 3).sin(), randn(41)),
                unary("expand of transpose", x -> x.t().expand(2, 4, 3).sin(), randn(42, 3, 4)),
                unary("expand twice", x -> x.expand(3, 4).unsqueeze(0).expand(2, 3, 4).sin(), randn(43, 1, 4)));
    }

    private static List<GradCase> sliceCases() {
        return List.of(
                unary("slice", x -> x.slice(1, 1, 3, 1).sin(), randn(50, 3, 5)),
                unary("slice with step", x -> x.slice(1, 0, 5, 2).sin(), randn(51, 3, 5)),
                unary("slice with step 3 and offset", x -> x.slice(0, 1, 8, 3).sin(), randn(52, 8, 2)),
                unary("slice negative bounds", x -> x.slice(-1, -4, -1, 1).sin(), randn(53, 3, 5)),
                unary("slice out-of-range end", x -> x.slice(0, 1, 100, 2).sin(), randn(54, 5, 2)),
                unary("slice of slice", x -> x.slice(1, 1, 9, 2).slice(1, 1, 4, 2).sin(), randn(55, 3, 9)),
                unary("slice of transpose", x -> x.t().slice(0, 0, 4, 3).sin(), randn(56, 3, 4)),
                unary("slice of expanded", x -> x.expand(4, 5).slice(0, 1, 4, 2).sin(), randn(57, 1, 5)),
                unary("slices overlapping", x -> x.slice(1, 0, 3, 1).mul(x.slice(1, 1, 4, 1)), randn(58, 2, 4)),
                unary("narrow", x -> x.narrow(1, 1, 2).sin(), randn(60, 3, 4)),
                unary("narrow negative start", x -> x.narrow(0, -2, 2).sin(), randn(61, 3, 4)),
                unary("narrow of transpose", x -> x.t().narrow(1, 0, 2).sin(), randn(62, 3, 4)),
                unary("select", x -> x.select(0, 1).sin(), randn(63, 3, 4)),
                unary("select negative index", x -> x.select(1, -1).sin(), randn(64, 3, 4)),
                unary("select negative dim and index", x -> x.select(-1, -2).sin(), randn(65, 2, 3, 4)),
                unary("select of transpose", x -> x.t().select(0, 2).sin(), randn(66, 3, 4)),
                unary("select to 0-d", x -> x.select(0, 1).exp(), randn(67, 3)),
                unary("select rows combined", x -> x.select(0, 0).mul(x.select(0, -1)), randn(68, 3, 4)),
                unary("slice with transposed upstream gradient", x -> x.slice(1, 0, 5, 2).t(), randn(69, 3, 5)),
                unary("slice to empty", x -> x.slice(1, 2, 2, 1).sum().add(x.sin().sum()), randn(59, 3, 4)));
    }

    private static List<GradCase> catCases() {
        return List.of(
                gc("cat dim 0", xs -> Tensor.cat(xs, 0).sin(), randn(70, 2, 3), randn(71, 1, 3), randn(72, 3, 3)),
                gc("cat dim 1", xs -> Tensor.cat(xs, 1).sin(), randn(73, 2, 3), randn(74, 2, 1)),
                gc("cat negative dim", xs -> Tensor.cat(xs, -1).sin(), randn(75, 2, 2, 3), randn(76, 2, 2, 2)),
                gc("cat non-contiguous", xs -> Tensor.cat(List.of(xs.get(0).t(), xs.get(1).slice(0, 0, 6, 2),
                        xs.get(2).expand(2, 4)), 0).sin(), randn(77, 4, 3), randn(78, 6, 4), randn(79, 1, 4)),
                gc("cat same tensor twice", xs -> Tensor.cat(List.of(xs.get(0), xs.get(0).exp()), 1), randn(80, 2, 3)),
                gc("cat single", xs -> Tensor.cat(xs, 0).sin(), randn(81, 3)),
                gc("cat with an empty tensor", xs -> Tensor.cat(xs, 0).sin(), randn(93, 2, 3), Tensor.zeros(0, 3), randn(94, 1, 3)),
                gc("cat with transposed upstream gradient", xs -> Tensor.cat(xs, 1).t(), randn(95, 2, 3), randn(96, 2, 2)),
                gc("stack dim 0", xs -> Tensor.stack(xs, 0).sin(), randn(82, 2, 3), randn(83, 2, 3)),
                gc("stack dim 1", xs -> Tensor.stack(xs, 1).sin(), randn(84, 2, 3), randn(85, 2, 3), randn(86, 2, 3)),
                gc("stack dim -1", xs -> Tensor.stack(xs, -1).sin(), randn(87, 2, 3), randn(88, 2, 3)),
                gc("stack non-contiguous", xs -> Tensor.stack(List.of(xs.get(0).t(), xs.get(1).expand(4, 3)), 1).sin(),
                        randn(89, 3, 4), randn(90, 3)),
                gc("stack 0-d", xs -> Tensor.stack(xs, 0).sin(), randn(91), randn(92)));
    }
}
