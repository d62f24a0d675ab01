package dev.jgrad.kernels.ladder;

/** The argument checks every rung makes, so that a bad call fails with the rung's name. */
final class Shapes {
    private Shapes() {}

    static void check(String rung, int m, int n, int k, float[] a, float[] b, float[] c) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException(rung + ": sizes must be non-negative, got m=" + m + ", n=" + n + ", k=" + k);
        }
        need(rung, "A", a, (long) m * k, "m·k", m, k);
        need(rung, "B", b, (long) k * n, "k·n", k, n);
        need(rung, "C", c, (long) m * n, "m·n", m, n);
    }

    private static void need(String rung, String name, float[] x, long size, String what, int r, int s) {
        if (x == null) throw new IllegalArgumentException(rung + ": " + name + " is null");
        if (x.length < size) {
            throw new IllegalArgumentException(rung + ": " + name + " holds " + x.length + " floats, fewer than " + what + " = "
                    + r + "·" + s + " = " + size);
        }
    }
}
