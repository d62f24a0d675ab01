package dev.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** Assertions the tensor tests share. */
final class Expect {
    private Expect() {}

    /** {@code call} throws {@code type} (or a subclass) whose message contains every fragment. */
    static <T extends Throwable> T fails(Class<T> type, Executable call, String... fragments) {
        T e = assertThrows(type, call);
        String m = e.getMessage();
        for (String f : fragments) {
            assertTrue(m != null && m.contains(f), () -> "message \"" + m + "\" does not contain \"" + f + "\"");
        }
        return e;
    }

    /** Shape, dtype and float values (exactly). */
    static void tensor(Tensor t, DType dtype, int[] shape, float... values) {
        assertArrayEquals(shape, t.shape(), "shape");
        assertEquals(dtype, t.dtype(), "dtype");
        assertArrayEquals(values, t.toFloatArray(), "values");
    }

    /** Shape, dtype and long values. */
    static void longs(Tensor t, DType dtype, int[] shape, long... values) {
        assertArrayEquals(shape, t.shape(), "shape");
        assertEquals(dtype, t.dtype(), "dtype");
        assertArrayEquals(values, t.toLongArray(), "values");
    }

    static int[] shape(int... s) {
        return s;
    }
}
