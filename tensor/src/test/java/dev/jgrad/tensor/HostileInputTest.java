package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.fails;
import static dev.jgrad.tensor.Expect.shape;
import static dev.jgrad.tensor.Expect.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One test per class of hostile input found by the reflection sweep (autograd's
 * TensorApiFuzzTest): each now fails with a documented exception whose message names the op and
 * the offending values, or, for empty tensors, computes what PyTorch computes.
 */
class HostileInputTest {
    private static final Tensor X = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);

    // ---- null arguments: IllegalArgumentException naming the op and the parameter -----------------

    @Test
    void nullTensorArguments() {
        fails(IllegalArgumentException.class, () -> X.add(null), "add", "other is null");
        fails(IllegalArgumentException.class, () -> X.div(null), "div", "other is null");
        fails(IllegalArgumentException.class, () -> X.eq(null), "eq", "is null");
        fails(IllegalArgumentException.class, () -> X.matmul(null), "matmul", "other is null");
        fails(IllegalArgumentException.class, () -> Tensor.where(null, X, X), "where", "condition is null");
        fails(IllegalArgumentException.class, () -> X.gather(0, null), "gather", "index is null");
        fails(IllegalArgumentException.class, () -> X.scatterAdd(0, Tensor.zeros(DType.INT64, 1, 1), null), "scatter_add", "src is null");
        fails(IllegalArgumentException.class, () -> X.conv2d(null, null), "conv2d", "weight is null");
        fails(IllegalArgumentException.class, () -> Tensor.embedding(null, X), "embedding", "indices is null");
        fails(IllegalArgumentException.class, () -> X.copyFrom(null), "copyFrom", "is null");
        fails(IllegalArgumentException.class, () -> X.addInPlace(null, 2), "addInPlace", "is null");
        fails(IllegalArgumentException.class, () -> Tensor.zerosLike(null), "zeros_like", "is null");
        fails(IllegalArgumentException.class, () -> X.setData(null), "setData", "source is null");
        fails(IllegalArgumentException.class, () -> X.allClose(null, 0, 0), "allClose", "other is null");
    }

    @Test
    void nullArraysListsAndEnums() {
        fails(IllegalArgumentException.class, () -> Tensor.of((float[]) null), "of", "data is null");
        fails(IllegalArgumentException.class, () -> Tensor.of(new float[] {1}, (int[]) null), "of", "shape is null");
        fails(IllegalArgumentException.class, () -> Tensor.zeros((int[]) null), "zeros", "shape is null");
        fails(IllegalArgumentException.class, () -> Tensor.zeros((DType) null, 2), "zeros", "dtype is null");
        fails(IllegalArgumentException.class, () -> Tensor.scalar(1, null), "full", "dtype is null");
        fails(IllegalArgumentException.class, () -> X.reshape((int[]) null), "reshape", "shape is null");
        fails(IllegalArgumentException.class, () -> X.permute((int[]) null), "permute", "dims is null");
        fails(IllegalArgumentException.class, () -> X.expand((int[]) null), "expand", "shape is null");
        fails(IllegalArgumentException.class, () -> X.sumTo((int[]) null), "sumTo", "shape is null");
        fails(IllegalArgumentException.class, () -> X.to((DType) null), "to", "dtype is null");
        fails(IllegalArgumentException.class, () -> X.to((Device) null), "to", "device is null");
        fails(IllegalArgumentException.class, () -> Tensor.randn((Generator) null, 2), "randn", "generator is null");
        fails(IllegalArgumentException.class, () -> Tensor.cat(null, 0), "cat", "list of tensors is null");
        fails(IllegalArgumentException.class, () -> Tensor.stack(Arrays.asList(X, null), 0), "stack", "tensor 1 of the list is null");
        fails(IllegalArgumentException.class, () -> X.unsqueeze(0).unsqueeze(0).maxPool2d(null, null, new int[] {0}, new int[] {1}, false),
                "max_pool2d", "kernel size is null");
    }

    // ---- sizes that overflow, or that no array or heap can hold -----------------------------------

    @Test
    void elementCountsThatOverflowALongAreRefused() {
        // 65536^4 = 2^64 wrapped to 0 and passed as an empty tensor
        fails(IllegalArgumentException.class, () -> Tensor.zeros(65536, 65536, 65536, 65536), "zeros", "18446744073709551616 elements");
        fails(IllegalArgumentException.class, () -> Tensor.ones(1).expand(65536, 65536, 65536, 65536), "expand", "elements");
        // a zero anywhere makes an empty tensor, however large the other sizes
        assertEquals(0, Tensor.zeros(Integer.MAX_VALUE, 0, Integer.MAX_VALUE).numel());
    }

    @Test
    void allocationsNoArrayOrHeapHolds() {
        fails(IllegalArgumentException.class, () -> Tensor.zeros(Integer.MAX_VALUE), "zeros", "2^31-9", "largest Java array");
        fails(IllegalArgumentException.class, () -> Tensor.scalar(1).expand(Integer.MAX_VALUE), "expand", "2^31-9");
        fails(IllegalArgumentException.class, () -> Tensor.arange(Integer.MAX_VALUE), "arange", "more than a tensor holds");
        fails(IllegalArgumentException.class, () -> Tensor.linspace(0, 1, Integer.MAX_VALUE), "linspace", "more than a tensor holds");
        fails(IllegalArgumentException.class, () -> Tensor.of(new long[] {1}).oneHot(Integer.MAX_VALUE), "one_hot", "2^31-9");
        long max = Runtime.getRuntime().maxMemory();
        if (max < 8L << 30) {   // a float64 tensor of 2^30 elements (8 GiB) is more than this heap
            fails(IllegalArgumentException.class, () -> Tensor.zeros(DType.FLOAT64, 1 << 15, 1 << 15), "float64", "[32768, 32768]",
                    "MiB", "-Xmx");
        }
    }

    @Test
    void creationWhoseArithmeticOverflowed() {
        // n·m overflowed an int: NegativeArraySizeException or ArrayIndexOutOfBoundsException before
        fails(IllegalArgumentException.class, () -> Tensor.eye(Integer.MAX_VALUE), "eye", "elements");
        fails(IllegalArgumentException.class, () -> Tensor.eye(Integer.MAX_VALUE, 2), "eye", "elements");
        // end − start overflowed a long
        fails(IllegalArgumentException.class, () -> Tensor.arange(Long.MIN_VALUE, Long.MAX_VALUE, 1), "arange", "more than a tensor holds");
        assertArrayEquals(new long[] {Long.MIN_VALUE, -1, Long.MAX_VALUE - 1},
                Tensor.arange(Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE).toLongArray());
        // high − low overflowed: values fell outside [low, high) (floorMod by a negative span)
        Tensor r = Tensor.randint(new Generator(3), Long.MIN_VALUE + 1, Long.MAX_VALUE, 1000);
        for (long v : r.toLongArray()) assertTrue(v >= Long.MIN_VALUE + 1 && v < Long.MAX_VALUE);
        Tensor half = Tensor.randint(new Generator(3), -1, Long.MAX_VALUE, 1000);
        for (long v : half.toLongArray()) assertTrue(v >= -1, () -> "value " + v + " below low");
        fails(IllegalArgumentException.class, () -> Tensor.randint(new Generator(1), 3, 3, 0), "randint", "random range is empty");
    }

    @Test
    void sliceWithAHugeStep() {
        // (end - start + step - 1) overflowed: the view had a negative size
        Tensor s = X.slice(1, 0, 3, Integer.MAX_VALUE);
        assertArrayEquals(shape(2, 1), s.shape());
        tensor(s, DType.FLOAT32, shape(2, 1), 1, 4);
        tensor(X.slice(1, -2, 7, Integer.MAX_VALUE), DType.FLOAT32, shape(2, 1), 2, 5);
    }

    @Test
    void unsqueezePastTheLargestRank() {
        Tensor t = Tensor.ones(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        fails(IllegalArgumentException.class, () -> t.unsqueeze(0), "unsqueeze", "most dimensions (16)");
    }

    @Test
    void printingAHugeTensorCopiesOnlyWhatIsPrinted() {
        // toString copied every element to print six per dimension: 8 GiB here, past the heap check
        Tensor huge = Tensor.scalar(2).expand(1 << 30);
        assertEquals("tensor([2., 2., 2.,  ..., 2., 2., 2.])", huge.toString());
        Tensor wide = Tensor.arange(0, 1 << 20, 1).reshape(1 << 10, 1 << 10).expand(1 << 10, 1 << 10, 1 << 10);
        String text = wide.toString();
        assertTrue(text.startsWith("tensor([[[      0,       1,       2,  ...,    1021,    1022,    1023],\n"
                + "         [   1024,    1025,    1026,  ...,    2045,    2046,    2047],"), text);
        assertTrue(text.endsWith("[1047552, 1047553, 1047554,  ..., 1048573, 1048574, 1048575]]])"), text);
    }

    // ---- convolution and pooling geometry ----------------------------------------------------------

    @Test
    void poolWindowsLargerThanThePaddedInput() {
        Tensor x = Tensor.ones(1, 1, 3, 3);
        // the window buffer kh·kw overflowed to 1 element: ArrayIndexOutOfBoundsException in the kernel
        fails(IllegalArgumentException.class, () -> x.avgPool2d(new int[] {Integer.MAX_VALUE}, new int[] {Integer.MAX_VALUE},
                new int[] {0}, true, true), "avg_pool2d", "height geometry is too large", "kernel 2147483647");
        fails(IllegalArgumentException.class, () -> x.maxPool2d(new int[] {5}, new int[] {5}, new int[] {0}, new int[] {1}, true),
                "max_pool2d", "[1, 1, 3, 3]", "(5 with dilation 1)", "3 + 2 x 0 = 3");
        // a window that fits, with ceil mode, still works
        tensor(x.maxPool2d(new int[] {2}, new int[] {2}, new int[] {0}, new int[] {1}, true), DType.FLOAT32, shape(1, 1, 2, 2), 1, 1, 1, 1);
    }

    @Test
    void convolutionGeometryThatWouldOverflowTheKernels() {
        Tensor x = Tensor.ones(1, 1, 3, 3), w = Tensor.ones(1, 1, 2, 2);
        fails(IllegalArgumentException.class, () -> x.conv2d(w, null, new int[] {1}, new int[] {Integer.MAX_VALUE / 2}, new int[] {1}, 1),
                "conv2d", "height geometry is too large", "padding 1073741823");
        fails(IllegalArgumentException.class, () -> x.conv2d(w, null, new int[] {1}, new int[] {0}, new int[] {Integer.MAX_VALUE}, 1),
                "conv2d", "dilation 2147483647");
    }

    // ---- indices: checked before any kernel runs, naming the op -------------------------------------

    @Test
    void outOfRangeIndicesNameTheOp() {
        fails(IndexOutOfBoundsException.class, () -> X.gather(1, Tensor.of(new long[] {0, 5}, 1, 2)), "gather: index 5",
                "dimension 1 with size 3", "from 0 to 5");
        fails(IndexOutOfBoundsException.class, () -> X.indexSelect(0, Tensor.of(new long[] {-5, 1})), "index_select: index -5");
        fails(IndexOutOfBoundsException.class, () -> Tensor.embedding(Tensor.of(new long[] {1L << 40}), X), "embedding: index 1099511627776",
                "size 2");
        fails(IndexOutOfBoundsException.class, () -> X.scatterAdd(0, Tensor.of(new long[] {2}, 1, 1), X), "scatter_add: index 2");
        // an index into an empty dimension
        fails(IndexOutOfBoundsException.class, () -> Tensor.zeros(2, 0).indexSelect(1, Tensor.of(new long[] {0})), "index_select",
                "size 0");
    }

    // ---- empty tensors: PyTorch's results, or a clear error where PyTorch has one ---------------------

    @Test
    void emptyTensorsComputeWhatPyTorchComputes() {
        Tensor e = Tensor.zeros(0), m = Tensor.zeros(2, 0);
        assertEquals(0, e.sum().item());
        assertTrue(Double.isNaN(e.mean().item()));
        assertTrue(Double.isNaN(e.var().item()));
        tensor(m.sum(1), DType.FLOAT32, shape(2), 0, 0);
        tensor(m.amax(0), DType.FLOAT32, shape(0));
        tensor(m.matmul(Tensor.zeros(0, 3)), DType.FLOAT32, shape(2, 3), 0, 0, 0, 0, 0, 0);
        tensor(m.t().matmul(Tensor.zeros(2, 3)), DType.FLOAT32, shape(0, 3));
        tensor(m.softmax(1), DType.FLOAT32, shape(2, 0));
        tensor(Tensor.zeros(0, 3).logSoftmax(1), DType.FLOAT32, shape(0, 3));
        tensor(Tensor.cat(List.of(e, Tensor.ones(2)), 0), DType.FLOAT32, shape(2), 1, 1);
        tensor(m.reshape(0, 5), DType.FLOAT32, shape(0, 5));
        tensor(e.add(Tensor.scalar(1)), DType.FLOAT32, shape(0));
        tensor(Tensor.zeros(0, 1, 3, 3).conv2d(Tensor.ones(2, 1, 2, 2), Tensor.ones(2)), DType.FLOAT32, shape(0, 2, 2, 2));
        tensor(Tensor.zeros(0, 1, 4, 4).maxPool2d(2), DType.FLOAT32, shape(0, 1, 2, 2));
        Expect.longs(Tensor.zeros(DType.INT64, 0).oneHot(3), DType.INT64, shape(0, 3));
        assertEquals("tensor([], size=(2, 0))", m.toString());
    }

    @Test
    void emptyTensorsFailWherePyTorchFails() {
        fails(IllegalArgumentException.class, () -> Tensor.zeros(0).max(), "amax", "dimension 0 of size 0");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(2, 0).amin(1), "amin", "size 0");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(0).argmax(), "argmax", "empty tensor");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(0).item(), "item", "[0]");
    }
}
