package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.fails;

import org.junit.jupiter.api.Test;

/** Shapes that do not broadcast or multiply: the message names the op and both shapes. */
class BadBroadcastInputTest {
    private static final Tensor M = Tensor.zeros(2, 3);

    @Test
    void elementwiseOps() {
        Tensor v = Tensor.zeros(4);
        fails(IllegalArgumentException.class, () -> M.add(v), "add", "[2, 3]", "[4]", "cannot be broadcast", "3 vs 4");
        fails(IllegalArgumentException.class, () -> M.sub(v), "sub", "[2, 3]", "[4]");
        fails(IllegalArgumentException.class, () -> M.mul(Tensor.zeros(3, 3)), "mul", "[2, 3]", "[3, 3]", "2 vs 3");
        fails(IllegalArgumentException.class, () -> M.div(v), "div", "[2, 3]", "[4]");
        fails(IllegalArgumentException.class, () -> M.pow(v), "pow", "[2, 3]", "[4]");
        fails(IllegalArgumentException.class, () -> M.maximum(v), "maximum", "[2, 3]", "[4]");
        fails(IllegalArgumentException.class, () -> M.lt(v), "lt", "[2, 3]", "[4]");
        fails(IllegalArgumentException.class, () -> M.eq(v), "eq", "[2, 3]", "[4]");
        fails(IllegalArgumentException.class, () -> M.logicalAnd(v), "logical_and", "[2, 3]", "[4]");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(0).add(Tensor.zeros(2)), "add", "[0]", "[2]");
    }

    @Test
    void where() {
        Tensor cond = Tensor.zeros(DType.BOOL, 2, 3);
        fails(IllegalArgumentException.class, () -> Tensor.where(cond, M, Tensor.zeros(4)), "where", "[2, 3]", "[4]");
        fails(IllegalArgumentException.class, () -> Tensor.where(Tensor.zeros(DType.BOOL, 5), M, M), "where", "[5]", "[2, 3]");
    }

    @Test
    void whereWithANonBoolCondition() {
        fails(IllegalArgumentException.class, () -> Tensor.where(Tensor.ones(2, 3), M, M), "where", "condition must be bool", "float32");
        fails(IllegalArgumentException.class, () -> Tensor.where(Tensor.ones(DType.INT64, 2, 3), M, M), "where", "int64");
    }

    @Test
    void inPlaceUpdatesFromAShapeThatDoesNotBroadcast() {
        fails(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).copyFrom(Tensor.ones(4)), "copyFrom", "[4]", "[2, 3]");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).copyFrom(Tensor.ones(2, 2, 3)), "copyFrom", "[2, 2, 3]", "[2, 3]");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(3).copyFrom(Tensor.ones(3, 1)), "copyFrom", "[3, 1]", "[3]");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).addInPlace(Tensor.ones(2), 1), "addInPlace", "[2]", "[2, 3]");
    }

    @Test
    void matmulInnerDimensionMismatch() {
        fails(IllegalArgumentException.class, () -> M.matmul(Tensor.zeros(4, 5)), "matmul", "[2, 3]", "[4, 5]", "3 != 4");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(3).matmul(Tensor.zeros(4)), "matmul", "[3]", "[4]");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(3).matmul(M), "matmul", "[3]", "[2, 3]");
        fails(IllegalArgumentException.class, () -> M.matmul(Tensor.zeros(2)), "matmul", "[2, 3]", "[2]");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(5, 2, 3).matmul(Tensor.zeros(5, 2, 3)), "matmul", "[5, 2, 3]");
    }

    @Test
    void matmulBatchMismatch() {
        fails(IllegalArgumentException.class, () -> Tensor.zeros(2, 2, 3).matmul(Tensor.zeros(3, 3, 4)), "matmul", "[2]", "[3]",
                "cannot be broadcast");
    }

    @Test
    void matmulOfAScalar() {
        fails(IllegalArgumentException.class, () -> Tensor.scalar(2).matmul(M), "matmul", "at least 1 dimension", "[]", "[2, 3]");
    }

    @Test
    void clampBounds() {
        fails(IllegalArgumentException.class, () -> M.clamp(1, 0), "clamp", "min 1.0 is greater than max 0.0");
    }

    @Test
    void sumToAnIncompatibleShape() {
        fails(IllegalArgumentException.class, () -> M.sumTo(4), "sumTo", "[2, 3]", "[4]");
        fails(IllegalArgumentException.class, () -> M.sumTo(1, 2, 3), "sumTo", "[2, 3]", "[1, 2, 3]");
    }
}
