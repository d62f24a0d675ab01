package dev.jgrad.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@link AttentionBench}'s command line:
 * <pre>
 *   --reps N          timed repeats per row (median; default 20)
 *   --seq LIST        sequence lengths, comma-separated (default 4096,2048,1024)
 *   --head-dim LIST   head sizes (default 128,64; the fused kernels take up to 128)
 *   --batch B         batch size (default tokens / seq)
 *   --heads H         heads (default width / head size)
 *   --tokens T        batch · seq when --batch is absent (default 65536: 16 × 4096)
 *   --width W         heads · head size when --heads is absent (default 2048: 16 × 128)
 *   --peers FILE      PEER lines of bench/python/gpu_attention_peers.py
 *   --only WORDS      comma-separated filter: fp32, bf16 (version), fwd, bwd (pass), causal, full
 *                     (mask); words of one kind widen, kinds narrow ("bf16,fwd": BF16 forward only)
 *   --check-seq N     positions of the float64 reference slice (default 1024; 0: no reference)
 * </pre>
 * Every (head size, sequence) pair runs causal and full, head sizes outermost.
 *
 * <pre>{@code
 * AttentionOptions o = AttentionOptions.parse("--seq", "4096", "--head-dim", "128", "--only", "bf16");
 * o.shapes();   // [16x16x4096x128 full, 16x16x4096x128 causal]
 * }</pre>
 */
record AttentionOptions(List<AttentionShape> shapes, int reps, Path peers, Set<String> only, int checkSeq) {
    private static final List<String> VERSIONS = List.of("fp32", "bf16"), PASSES = List.of("fwd", "bwd"), MASKS = List.of("causal", "full");

    static AttentionOptions parse(String... args) {
        int reps = 20, batch = 0, heads = 0, tokens = 65536, width = 2048, checkSeq = 1024;
        int[] seqs = {4096, 2048, 1024}, dims = {128, 64};
        Path peers = null;
        Set<String> only = Set.of();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) throw new IllegalArgumentException("AttentionBench: " + a + " needs a value; see the class comment");
            String v = args[++i];
            switch (a) {
                case "--reps" -> reps = positive(a, v);
                case "--seq" -> seqs = list(a, v);
                case "--head-dim" -> dims = list(a, v);
                case "--batch" -> batch = positive(a, v);
                case "--heads" -> heads = positive(a, v);
                case "--tokens" -> tokens = positive(a, v);
                case "--width" -> width = positive(a, v);
                case "--peers" -> peers = Path.of(v);
                case "--only" -> only = Set.copyOf(Arrays.asList(v.toLowerCase(Locale.ROOT).split(",")));
                case "--check-seq" -> checkSeq = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("AttentionBench: unknown argument " + a + "; see the class comment");
            }
        }
        for (String w : only) {
            if (!VERSIONS.contains(w) && !PASSES.contains(w) && !MASKS.contains(w)) {
                throw new IllegalArgumentException("AttentionBench: --only takes fp32, bf16, fwd, bwd, causal, full; got " + w);
            }
        }
        List<AttentionShape> shapes = new ArrayList<>();
        for (int d : dims) {
            for (int n : seqs) {
                int b = batch > 0 ? batch : Math.max(1, tokens / n), h = heads > 0 ? heads : Math.max(1, width / d);
                for (boolean causal : new boolean[] {false, true}) {
                    AttentionShape s = new AttentionShape(b, h, n, d, causal);
                    if (keeps(only, MASKS, causal ? "causal" : "full")) shapes.add(s);
                }
            }
        }
        return new AttentionOptions(List.copyOf(shapes), reps, peers, only, Math.max(0, checkSeq));
    }

    /** Whether the row (version, pass — null: either —, shape) passes --only. */
    boolean wants(AttentionBench.Version v, String pass, AttentionShape s) {
        return keeps(only, VERSIONS, v.id) && (pass == null || keeps(only, PASSES, pass)) && keeps(only, MASKS, s.causal() ? "causal" : "full");
    }

    /** No word of this kind given, or this value among them. */
    private static boolean keeps(Set<String> only, List<String> kind, String value) {
        return only.stream().noneMatch(kind::contains) || only.contains(value);
    }

    private static int positive(String flag, String v) {
        int x = Integer.parseInt(v.trim());
        if (x < 1) throw new IllegalArgumentException("AttentionBench: " + flag + " must be positive, got " + v);
        return x;
    }

    private static int[] list(String flag, String v) {
        return Arrays.stream(v.split(",")).mapToInt(x -> positive(flag, x)).toArray();
    }
}
