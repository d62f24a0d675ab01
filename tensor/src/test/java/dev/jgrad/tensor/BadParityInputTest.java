package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.fails;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bad input to the ops of PyTorch parity II fails before any work with an
 * IllegalArgumentException naming the op, the argument and what is allowed: malformed einsum
 * equations, bad pad sizes, out-of-range dimensions, split sizes that do not add up, k outside
 * [0, size] for top-k, and the rest of each op's preconditions.
 */
class BadParityInputTest {
    private static final Tensor M = Tensor.randn(new Generator(1), 2, 3);
    private static final Tensor V = Tensor.randn(new Generator(2), 3);

    @Test
    void malformedEinsumEquations() {
        fails(IllegalArgumentException.class, () -> Tensor.einsum("ij->j->i", M), "einsum", "more than one '->'");
        fails(IllegalArgumentException.class, () -> Tensor.einsum("i1->i", M), "einsum", "invalid character '1' at position 1",
                "letters a-z and A-Z");
        fails(IllegalArgumentException.class, () -> Tensor.einsum("i.j->", M), "einsum", "'.' at position 1", "not part of an ellipsis");
        fails(IllegalArgumentException.class, () -> Tensor.einsum("...i...->i", M), "einsum", "operand 0", "more than one '...'");
        fails(IllegalArgumentException.class, () -> Tensor.einsum("ij,jk->ik", M), "einsum", "subscripts for 2 operands but 1 tensor was given");
        fails(IllegalArgumentException.class, () -> Tensor.einsum("ij", V), "einsum", "operand 0 has 1 dimensions (shape [3])",
                "name 2", "use '...'");
        fails(IllegalArgumentException.class, () -> Tensor.einsum("ij,jk->ik", M, Tensor.zeros(4, 2)), "einsum", "subscript 'j' has size 4",
                "size 3", "must match or be 1");
        fails(IllegalArgumentException.class, () -> Tensor.einsum("ii->i", M), "einsum", "'i' is repeated in operand 0 with sizes 2 and 3");
        fails(IllegalArgumentException.class, () -> Tensor.einsum("ij->ii", M), "einsum", "output subscript 'i'", "more than once");
        fails(IllegalArgumentException.class, () -> Tensor.einsum("ij->k", M), "einsum", "output subscript 'k'", "does not occur in any operand");
        fails(IllegalArgumentException.class, () -> Tensor.einsum("ij->i,j", M), "einsum", "invalid character ','");
        fails(IllegalArgumentException.class, () -> Tensor.einsum("i->i"), "einsum", "at least one operand");
        fails(IllegalArgumentException.class, () -> Tensor.einsum(null, M), "einsum", "equation is null");
        fails(IllegalArgumentException.class, () -> Tensor.einsum("i,i->", V, null), "einsum", "tensor 1 of the list is null");
    }

    @Test
    void badPadSizes() {
        fails(IllegalArgumentException.class, () -> M.pad(new int[] {1, 2, 3}), "pad", "pairs (before, after)", "last dimension first", "3 values");
        fails(IllegalArgumentException.class, () -> V.pad(new int[] {1, 1, 1, 1}), "pad", "pads 2 dimensions but the input has 1",
                "at most 2 sizes");
        fails(IllegalArgumentException.class, () -> V.pad(new int[] {3, 0}, PadMode.REFLECT), "pad", "reflect padding of dimension 0 (size 3",
                "less than the dimension's size 3");
        fails(IllegalArgumentException.class, () -> V.pad(new int[] {-1, 0}, PadMode.REPLICATE), "pad", "replicate padding",
                "must not be negative", "only constant padding crops");
        fails(IllegalArgumentException.class, () -> V.pad(new int[] {-2, -2}), "pad", "crops more than its 3 elements");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(2, 0).pad(new int[] {1, 0}, PadMode.REPLICATE), "pad",
                "needs a non-empty dimension");
        fails(IllegalArgumentException.class, () -> V.pad(new int[] {Integer.MAX_VALUE, 1}), "pad", "at most 2^31-9");
        fails(IllegalArgumentException.class, () -> V.pad(new int[] {1, 1}, null), "pad", "mode is null");
        fails(IllegalArgumentException.class, () -> V.pad(null), "pad", "pad sizes is null");
    }

    @Test
    void outOfRangeDimensions() {
        fails(IllegalArgumentException.class, () -> M.sort(2, false), "sort", "dimension 2 is out of range", "expected -2 to 1");
        fails(IllegalArgumentException.class, () -> M.argsort(-3, false), "argsort", "dimension -3 is out of range");
        fails(IllegalArgumentException.class, () -> M.topk(1, 5, true), "topk", "dimension 5 is out of range");
        fails(IllegalArgumentException.class, () -> M.max(2, false), "max", "dimension 2 is out of range");
        fails(IllegalArgumentException.class, () -> M.min(-3, true), "min", "dimension -3 is out of range");
        fails(IllegalArgumentException.class, () -> M.cumsum(2), "cumsum", "dimension 2 is out of range");
        fails(IllegalArgumentException.class, () -> M.cumprod(-3), "cumprod", "dimension -3 is out of range");
        fails(IllegalArgumentException.class, () -> M.prod(7, false), "prod", "dimension 7 is out of range");
        fails(IllegalArgumentException.class, () -> M.any(new int[] {2}, false), "any", "dimension 2 is out of range");
        fails(IllegalArgumentException.class, () -> M.all(new int[] {0, 0}, false), "all", "dimension 0 appears more than once");
        fails(IllegalArgumentException.class, () -> M.norm(2, new int[] {3}, false), "norm", "dimension 3 is out of range");
        fails(IllegalArgumentException.class, () -> M.flip(2), "flip", "dimension 2 is out of range");
        fails(IllegalArgumentException.class, () -> M.flip(1, -1), "flip", "dimension -1 appears more than once");
        fails(IllegalArgumentException.class, () -> M.roll(1, 2), "roll", "dimension 2 is out of range");
        fails(IllegalArgumentException.class, () -> M.split(1, 2), "split", "dimension 2 is out of range");
        fails(IllegalArgumentException.class, () -> M.chunk(2, -3), "chunk", "dimension -3 is out of range");
        fails(IllegalArgumentException.class, () -> M.unbind(2), "unbind", "dimension 2 is out of range");
        fails(IllegalArgumentException.class, () -> Tensor.scalar(1).unbind(0), "unbind", "a 0-d tensor has no dimension 0");
    }

    @Test
    void splitSizesThatDoNotSumToTheDimension() {
        fails(IllegalArgumentException.class, () -> M.split(new int[] {1, 1}, 1), "split", "sizes [1, 1] sum to 2",
                "dimension 1 has size 3", "they must sum to 3");
        fails(IllegalArgumentException.class, () -> M.split(new int[] {4, -1}, 1), "split", "non-negative", "[4, -1]");
        fails(IllegalArgumentException.class, () -> M.split(0, 1), "split", "split size must be positive", "got 0");
        fails(IllegalArgumentException.class, () -> M.split(-2, 0), "split", "got -2");
        fails(IllegalArgumentException.class, () -> M.chunk(0, 0), "chunk", "number of chunks must be positive, got 0");
    }

    @Test
    void topkWithKOutsideTheDimension() {
        fails(IllegalArgumentException.class, () -> M.topk(4, 1, true), "topk", "k = 4 is out of range for dimension 1 of size 3",
                "expected 0 ≤ k ≤ 3");
        fails(IllegalArgumentException.class, () -> M.topk(-1, 0, false), "topk", "k = -1", "expected 0 ≤ k ≤ 2");
        fails(IllegalArgumentException.class, () -> Tensor.scalar(1).topk(2, 0, true), "topk", "k = 2", "expected 0 ≤ k ≤ 1");
    }

    @Test
    void theOtherPreconditions() {
        fails(IllegalArgumentException.class, () -> M.repeat(2), "repeat", "1 repeats for a tensor of 2 dimensions", "at least 2");
        fails(IllegalArgumentException.class, () -> M.repeat(2, -1), "repeat", "non-negative");
        fails(IllegalArgumentException.class, () -> M.tile(1 << 16, 1 << 16), "tile", "at most 2^31-9");
        fails(IllegalArgumentException.class, () -> M.roll(new int[] {1, 2}, new int[] {0}), "roll", "one shift per dimension");
        fails(IllegalArgumentException.class, () -> M.roll(new int[] {1, 2}, new int[0]), "roll", "without dims, expected one shift");
        fails(IllegalArgumentException.class, () -> V.tril(0), "tril", "at least 2 dimensions", "[3]");
        fails(IllegalArgumentException.class, () -> V.triu(0), "triu", "at least 2 dimensions");
        fails(IllegalArgumentException.class, () -> M.maskedFill(Tensor.ones(2, 3), 0), "masked_fill", "mask must be bool, got float32");
        fails(IllegalArgumentException.class, () -> V.maskedFill(Tensor.zeros(DType.BOOL, 2, 3), 0), "masked_fill",
                "must broadcast to the tensor's shape [3] without enlarging it");
        fails(IllegalArgumentException.class, () -> M.clamp(null, null), "clamp", "at least one of min and max");
        fails(IllegalArgumentException.class, () -> M.clamp(Tensor.zeros(4), null), "clamp", "cannot be broadcast");
        fails(IllegalArgumentException.class, () -> Tensor.of(new long[] {1, 2}).norm(), "norm", "floating-point", "int64");
        fails(IllegalArgumentException.class, () -> M.norm(Double.NaN, null, false), "norm", "p must be a number");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(2, 0).norm(Double.POSITIVE_INFINITY, new int[] {1}, false), "norm",
                "∞-norm of dimension 1 of size 0");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(2, 0).max(1, false), "max", "dimension 1 of size 0");
        fails(IllegalArgumentException.class, () -> Tensor.where(Tensor.ones(2), 1.0, 2.0), "where", "condition must be bool");
        fails(IllegalArgumentException.class, () -> Tensor.einsum("i,i", List.of(V, Tensor.ones(4))), "einsum", "size 4");
    }
}
