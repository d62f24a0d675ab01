package dev.jgrad.nn;

import java.util.Arrays;

/** Argument checks the convolution layers share, each naming the layer, the argument and what is allowed. */
final class ConvArgs {
    private ConvArgs() {}

    static void channels(String layer, int in, int out, int groups) {
        if (in < 1 || out < 1 || groups < 1 || in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException(layer + ": channels in=" + in + ", out=" + out + " must be positive and divisible by groups="
                    + groups);
        }
    }

    static void atLeast(String layer, String what, int value, int min) {
        if (value < min) throw new IllegalArgumentException(layer + ": " + what + " must be >= " + min + ", got " + value);
    }

    /** One value for both axes or two (height, width), each at least {@code min}, as a fresh pair. */
    static int[] pair(String layer, String what, int[] v, int min) {
        int[] p = Args.pair(layer, what, v);
        if (p[0] < min || p[1] < min) throw new IllegalArgumentException(layer + ": " + what + " must be >= " + min + ", got " + Arrays.toString(v));
        return p;
    }
}
