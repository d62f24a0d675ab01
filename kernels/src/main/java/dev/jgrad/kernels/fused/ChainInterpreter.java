package dev.jgrad.kernels.fused;

/**
 * An {@link ElementwiseChain} run block-wise, the fallback when no class can be generated: for
 * each block of {@link #BLOCK} elements (4 KB of floats, in L1 with its neighbours) every op in
 * turn over the whole block, each value in a scratch block of its own. Loads read the buffers in
 * place; stores copy the block out. Slower than a generated class (each op is its own loop, the
 * values go through memory), but still one pass over the buffers per chain.
 */
final class ChainInterpreter implements ChainKernel {
    static final int BLOCK = 1024;
    private static final ElementwiseChain.Op[] OPS = ElementwiseChain.Op.values();
    private final ElementwiseChain c;

    ChainInterpreter(ElementwiseChain chain) {
        this.c = chain;
    }

    @Override
    public void run(float[][] buffers, int[] offsets, float[] scalars, int from, int vectorEnd, int to) {
        int values = c.kind.length;
        float[][] block = new float[values][];
        float[][] src = new float[values][];
        int[] base = new int[values];
        for (int v = 0; v < values; v++) {
            if (c.kind[v] != ElementwiseChain.LOAD || c.argA[v] > 0) block[v] = new float[BLOCK];
            if (c.kind[v] == ElementwiseChain.SCALAR) java.util.Arrays.fill(block[v], scalars[c.what[v]]);
        }
        for (int s = from; s < to; s += BLOCK) {
            int e = Math.min(to, s + BLOCK), n = e - s, vn = Math.max(0, Math.min(e, vectorEnd) - s);
            for (int v = 0; v < values; v++) {
                switch (c.kind[v]) {
                    case ElementwiseChain.LOAD -> {
                        float[] b = buffers[c.what[v]];
                        int o = offsets[c.what[v]], period = c.argA[v];
                        if (period > 0) {   // a row operand: gathered into its block
                            for (int j = 0; j < n; j++) block[v][j] = b[o + (s + j) % period];
                            src[v] = block[v];
                            base[v] = 0;
                        } else {
                            src[v] = b;
                            base[v] = o + s;
                        }
                    }
                    case ElementwiseChain.SCALAR -> {
                        src[v] = block[v];
                        base[v] = 0;
                    }
                    default -> {
                        compute(OPS[c.what[v]], n, vn, block[v], src[c.argA[v]], base[c.argA[v]],
                                c.argB[v] < 0 ? null : src[c.argB[v]], c.argB[v] < 0 ? 0 : base[c.argB[v]]);
                        src[v] = block[v];
                        base[v] = 0;
                    }
                }
            }
            for (int k = 0; k < c.storeValue.length; k++) {
                int v = c.storeValue[k], b = c.storeBuffer[k];
                System.arraycopy(src[v], base[v], buffers[b], offsets[b] + s, n);
            }
        }
    }

    /** out[j] = op(a[ai + j], b[bi + j]) for j &lt; n: vectors below vn, then one by one. */
    private static void compute(ElementwiseChain.Op op, int n, int vn, float[] out, float[] a, int ai, float[] b, int bi) {
        int j = 0;
        if (vn > 0) j = Vectors.compute(op, vn, out, a, ai, b, bi);
        for (; j < n; j++) out[j] = ChainScalars.apply(op, a[ai + j], b == null ? 0f : b[bi + j]);
    }

    /** The vector loop, in a class of its own so that the interpreter loads without the Vector API. */
    private static final class Vectors {
        static int compute(ElementwiseChain.Op op, int vn, float[] out, float[] a, int ai, float[] b, int bi) {
            int lanes = ChainLanes.lanes(), j = 0;
            for (; j + lanes <= vn; j += lanes) {
                var x = ChainLanes.load(a, ai + j);
                var y = b == null ? x : ChainLanes.load(b, bi + j);
                ChainLanes.store(ChainLanes.apply(op, x, y), out, j);
            }
            return j;
        }
    }
}
