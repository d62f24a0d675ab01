package dev.jgrad.nn;

/**
 * Argument checks shared by the layers, losses and initialisers, so that a null input or a NaN
 * hyperparameter fails where it is passed, naming the class and the parameter, rather than as a
 * NullPointerException inside, or as NaN weights later (see docs/robustness.md).
 */
final class Args {
    private Args() {}

    static <T> T notNull(String where, String what, T value) {
        if (value == null) throw new IllegalArgumentException(where + ": " + what + " is null");
        return value;
    }

    static double notNaN(String where, String what, double value) {
        if (Double.isNaN(value)) throw new IllegalArgumentException(where + ": " + what + " is NaN");
        return value;
    }

    static double finite(String where, String what, double value) {
        if (!Double.isFinite(value)) throw new IllegalArgumentException(where + ": " + what + " must be finite, got " + value);
        return value;
    }

    /** One value for both axes or two (height, width), as a fresh pair. */
    static int[] pair(String where, String what, int[] v) {
        notNull(where, what, v);
        if (v.length == 1) return new int[] {v[0], v[0]};
        if (v.length == 2) return v.clone();
        throw new IllegalArgumentException(where + ": " + what + " must have 1 or 2 values, got " + java.util.Arrays.toString(v));
    }

    /** The module's input: not null. */
    static dev.jgrad.tensor.Tensor input(Module m, dev.jgrad.tensor.Tensor x) {
        if (x == null) throw new IllegalArgumentException(m.getClass().getSimpleName() + ".forward: the input is null");
        return x;
    }
}
