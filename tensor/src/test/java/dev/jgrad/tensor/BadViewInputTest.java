package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.fails;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad arguments to views, cat and stack. */
class BadViewInputTest {
    private static final Tensor M = Tensor.zeros(2, 3);

    @Test
    void permuteWithTheWrongLengthOrARepeat() {
        fails(IllegalArgumentException.class, () -> M.permute(0), "permute", "expected 2 dimensions", "[0]");
        fails(IllegalArgumentException.class, () -> M.permute(0, 1, 2), "permute", "expected 2 dimensions", "[0, 1, 2]");
        fails(IllegalArgumentException.class, () -> M.permute(1, 1), "permute", "dimension 1 repeats in [1, 1]");
        fails(IllegalArgumentException.class, () -> M.permute(0, -2), "permute", "dimension -2 repeats in [0, -2]");
        fails(IllegalArgumentException.class, () -> M.permute(0, 2), "permute", "dimension 2 is out of range");
    }

    @Test
    void illegalExpand() {
        fails(IllegalArgumentException.class, () -> M.expand(4, 3), "expand", "[2, 3]", "[4, 3]", "dimension 0: size 2 can only expand if it is 1");
        fails(IllegalArgumentException.class, () -> M.expand(3), "expand", "[2, 3]", "[3]", "fewer dimensions");
        fails(IllegalArgumentException.class, () -> M.expand(-1, 2, 3), "expand", "-1 is not allowed for a new leading dimension");
        fails(IllegalArgumentException.class, () -> M.expand(2, -2), "expand", "[2, 3]", "[2, -2]");
    }

    @Test
    void narrowOutOfRange() {
        fails(IllegalArgumentException.class, () -> M.narrow(1, 1, 5), "narrow", "start 1 + length 5", "size 3", "[2, 3]");
        fails(IllegalArgumentException.class, () -> M.narrow(0, 0, -1), "narrow", "length -1");
        fails(IllegalArgumentException.class, () -> M.narrow(0, -3, 1), "narrow", "start -3");
        fails(IllegalArgumentException.class, () -> M.narrow(2, 0, 1), "narrow", "dimension 2 is out of range");
    }

    @Test
    void selectOutOfRange() {
        fails(IllegalArgumentException.class, () -> M.select(1, 3), "select", "index 3", "dimension 1 of size 3", "[2, 3]");
        fails(IllegalArgumentException.class, () -> M.select(0, -3), "select", "index -3", "size 2");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(0).select(0, 0), "select", "index 0", "size 0");
    }

    @Test
    void indexingIntoAZeroDimensionalTensor() {
        Tensor s = Tensor.scalar(1);
        fails(IllegalArgumentException.class, () -> s.select(0, 0), "select", "0-d tensor");
        fails(IllegalArgumentException.class, () -> s.narrow(-1, 0, 1), "narrow", "0-d tensor");
        fails(IllegalArgumentException.class, () -> s.slice(0, 0, 1, 1), "slice", "0-d tensor");
        fails(IllegalArgumentException.class, () -> s.size(0), "size", "0-d tensor");
        fails(IllegalArgumentException.class, () -> s.transpose(0, 1), "transpose", "dimension 1 is out of range");
    }

    @Test
    void sliceStepZeroOrNegative() {
        fails(IllegalArgumentException.class, () -> M.slice(1, 0, 3, 0), "slice", "step must be positive, got 0");
        fails(IllegalArgumentException.class, () -> M.slice(1, 3, 0, -1), "slice", "got -1");
        fails(IllegalArgumentException.class, () -> M.slice(-3, 0, 1, 1), "slice", "dimension -3");
    }

    @Test
    void viewOfANonContiguousTensor() {
        fails(IllegalArgumentException.class, () -> M.t().view(-1), "view", "[3, 2]", "strides [1, 3]", "reshape()");
    }

    @Test
    void catMismatches() {
        fails(IllegalArgumentException.class, () -> Tensor.cat(List.of(M, Tensor.zeros(2, 4)), 0), "cat",
                "sizes must match except in dimension 0", "[2, 3]", "[2, 4]");
        fails(IllegalArgumentException.class, () -> Tensor.cat(List.of(M, Tensor.zeros(3)), 0), "cat", "[2, 3]", "[3]",
                "same number of dimensions");
        fails(IllegalArgumentException.class, () -> Tensor.cat(List.of(), 0), "cat", "non-empty list");
        fails(IllegalArgumentException.class, () -> Tensor.cat(List.of(Tensor.scalar(1), Tensor.scalar(2)), 0), "cat", "zero-dimensional");
        fails(IllegalArgumentException.class, () -> Tensor.cat(List.of(M, M), 2), "cat", "dimension 2 is out of range");
    }

    @Test
    void stackOfDifferentShapes() {
        fails(IllegalArgumentException.class, () -> Tensor.stack(List.of(Tensor.zeros(2), Tensor.zeros(2), Tensor.zeros(3)), 0),
                "stack", "[2] at entry 0", "[3] at entry 2");
        fails(IllegalArgumentException.class, () -> Tensor.stack(List.of(), 0), "stack", "non-empty list");
        fails(IllegalArgumentException.class, () -> Tensor.stack(List.of(M, M), 3), "stack", "dimension 3 is out of range");
    }
}
