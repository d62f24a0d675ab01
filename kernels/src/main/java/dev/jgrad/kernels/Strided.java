package dev.jgrad.kernels;

/**
 * One operand of a kernel: a buffer, the flat offset of its first element, and one element
 * stride per dimension of the index space the kernel walks. A stride of 0 repeats an element
 * along that dimension (broadcasting).
 *
 * <pre>{@code
 * // the transpose of a contiguous 2x3 matrix, seen as 3x2
 * Strided t = new Strided(buf, 0, new int[] {1, 3});
 * }</pre>
 *
 * @param buf     the elements
 * @param offset  the index in {@code buf} of the element at index (0, …, 0)
 * @param strides the step in {@code buf} per unit of each dimension (0 broadcasts)
 */
public record Strided(Buf buf, int offset, int[] strides) {

    /**
     * {@return row-major strides of a contiguous tensor of {@code shape}}
     *
     * @param shape the tensor's sizes
     */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = s;
            s *= Math.max(shape[d], 1);
        }
        return strides;
    }

    /**
     * {@return the operand {@code buf} laid out contiguously over {@code shape}, from offset 0}
     *
     * @param buf   the elements
     * @param shape the sizes
     */
    public static Strided contiguous(Buf buf, int[] shape) {
        return new Strided(buf, 0, contiguousStrides(shape));
    }

    /**
     * {@return number of elements of {@code shape} (1 for a scalar, 0 when any dimension is 0)}
     *
     * @param shape the sizes
     */
    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("more than 2^31-1 elements: " + n);
        return (int) n;
    }
}
