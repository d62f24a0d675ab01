package dev.jgrad.kernels.typed;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The blocking of {@link SgemmF32}: which register tile the micro-kernel holds, how deep a pass
 * is (KC), how many rows of A (MC) and columns of B (NC) are packed at a time, the order of the
 * two innermost loops, and how row-major A is packed. {@link GemmTuner} picks one per CPU; every
 * configuration gives bit-identical results (each element of C is one chain of fused
 * multiply-adds over k in order, whatever the blocking), so the choice only changes the speed.
 *
 * <p>Written and parsed as {@code tile=6x4,kc=384,mc=96,nc=4096,loop=jr,gather=true}, the form
 * {@code -Djgrad.gemm.config} takes (keys left out keep their {@link #DEFAULT} values).
 *
 * <pre>{@code
 * GemmConfig c = GemmConfig.parse("tile=6x4,kc=256,mc=144");
 * SgemmF32.gemm(c, m, n, k, 1f, a, 0, k, 1, b, 0, n, 1, 0f, out, 0, n);
 * }</pre>
 *
 * @param tile       the micro-kernel's register tile
 * @param kc         depth of one pass: rows of B per packed block (≥ 1)
 * @param mc         rows of A packed at a time (≥ 1; rounded up to the tile's rows)
 * @param nc         columns of B packed at a time (≥ 1; rounded up to the tile's columns)
 * @param jrOuter    true: for each column panel of B the kernel sweeps the rows of the A block
 *                   (the B micro-panel is reused from cache); false: for each row panel of A it
 *                   sweeps the columns of the B block (the A micro-panel is reused)
 * @param gatherA    pack row-major A into its panels with vector gathers (else six rows at a
 *                   time with scalar loads, column by column)
 */
public record GemmConfig(Tile tile, int kc, int mc, int nc, boolean jrOuter, boolean gatherA) {
    /**
     * The micro-kernel's register tile: rows of C by a number of vectors. The tile's columns
     * are {@code vectors × lanes}, lanes being the floats per vector of the running JVM.
     */
    public enum Tile {
        /** 6 rows × 4 vectors: 24 accumulators, for CPUs with 32 vector registers (AVX-512). */
        R6V4(6, 4, "6x4"),
        /** 6 rows × 2 vectors: 12 accumulators, for CPUs with 16 vector registers (AVX2). */
        R6V2(6, 2, "6x2"),
        /**
         * 4 rows × 2 vectors: 8 accumulators, for CPUs with 16 vector registers (AVX2), where
         * C2 keeps all of them and the operands in registers (the 6×2 tile's did not fit).
         */
        R4V2(4, 2, "4x2");

        private final int rows, vectors;
        private final String label;

        Tile(int rows, int vectors, String label) {
            this.rows = rows;
            this.vectors = vectors;
            this.label = label;
        }

        /** {@return rows of C the tile holds} */
        public int rows() {
            return rows;
        }

        /** {@return vectors per row of the tile} */
        public int vectors() {
            return vectors;
        }

        /** {@return the tile as written in a configuration string, e.g. {@code 6x4}} */
        public String label() {
            return label;
        }

        /**
         * {@return the tile written {@code label}}
         *
         * @param label as {@link #label()} writes it
         * @throws IllegalArgumentException for an unknown label
         */
        public static Tile of(String label) {
            for (Tile t : values()) if (t.label.equals(label.trim())) return t;
            throw new IllegalArgumentException("GemmConfig: unknown tile '" + label + "', expected one of 6x4, 6x2, 4x2");
        }
    }

    /** The blocking tuned on a Zen 4 (AVX-512) machine, used when nothing better is known. */
    public static final GemmConfig DEFAULT = new GemmConfig(Tile.R6V4, 384, 96, 4096, true, true);

    /**
     * Checks the sizes.
     *
     * @throws IllegalArgumentException when a size is below 1 or above 1 &lt;&lt; 20, or the tile is null
     */
    public GemmConfig {
        if (tile == null) throw new IllegalArgumentException("GemmConfig: tile is null");
        if (kc < 1 || mc < 1 || nc < 1 || kc > 1 << 20 || mc > 1 << 20 || nc > 1 << 20) {
            throw new IllegalArgumentException("GemmConfig: kc, mc and nc must be in 1.." + (1 << 20) + ", got kc=" + kc + " mc=" + mc + " nc=" + nc);
        }
    }

    /**
     * Parses {@code key=value} pairs separated by commas (keys {@code tile}, {@code kc},
     * {@code mc}, {@code nc}, {@code loop} = {@code jr} or {@code ir}, {@code gather} =
     * {@code true} or {@code false}); keys left out take {@link #DEFAULT}'s values.
     *
     * @param text the configuration, as {@link #toString()} writes it
     * @return the configuration
     * @throws IllegalArgumentException naming the bad key or value
     */
    public static GemmConfig parse(String text) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) continue;
            int eq = part.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("GemmConfig: expected key=value, got '" + part.trim() + "' in '" + text + "'");
            kv.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        GemmConfig d = DEFAULT;
        Tile tile = d.tile;
        int kc = d.kc, mc = d.mc, nc = d.nc;
        boolean jrOuter = d.jrOuter, gatherA = d.gatherA;
        for (Map.Entry<String, String> e : kv.entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "tile" -> tile = Tile.of(v);
                case "kc" -> kc = number("kc", v, text);
                case "mc" -> mc = number("mc", v, text);
                case "nc" -> nc = number("nc", v, text);
                case "loop" -> jrOuter = switch (v) {
                    case "jr" -> true;
                    case "ir" -> false;
                    default -> throw new IllegalArgumentException("GemmConfig: loop must be jr or ir, got '" + v + "' in '" + text + "'");
                };
                case "gather" -> gatherA = switch (v) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new IllegalArgumentException("GemmConfig: gather must be true or false, got '" + v + "' in '" + text + "'");
                };
                default -> throw new IllegalArgumentException("GemmConfig: unknown key '" + e.getKey()
                        + "' in '" + text + "', expected tile, kc, mc, nc, loop, gather");
            }
        }
        return new GemmConfig(tile, kc, mc, nc, jrOuter, gatherA);
    }

    private static int number(String key, String v, String text) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("GemmConfig: " + key + " must be an integer, got '" + v + "' in '" + text + "'");
        }
    }

    /** {@return this configuration in the form {@link #parse} reads} */
    @Override
    public String toString() {
        return "tile=" + tile.label + ",kc=" + kc + ",mc=" + mc + ",nc=" + nc + ",loop=" + (jrOuter ? "jr" : "ir") + ",gather=" + gatherA;
    }
}
