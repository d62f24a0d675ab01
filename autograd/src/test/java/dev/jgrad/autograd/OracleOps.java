package dev.jgrad.autograd;

import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.PadMode;
import dev.jgrad.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The jgrad call behind each op name of the PyTorch oracle fixtures
 * ({@code tools/oracle/generate.py}, table {@code TORCH_OPS}): one line per op, taking the op's
 * inputs (already viewed) and the case's JSON params.
 */
final class OracleOps {
    private OracleOps() {}

    /** One op: the inputs in fixture order and the case params. */
    @FunctionalInterface
    interface Call {
        Tensor apply(List<Tensor> in, Params p);
    }

    /** A case's JSON params; JSON integers arrive as {@code Long}, other numbers as {@code Double}. */
    record Params(Map<String, Object> json) {
        private Object get(String key) {
            if (!json.containsKey(key)) throw new IllegalArgumentException("fixture params lack \"" + key + "\": " + json);
            return json.get(key);
        }

        int integer(String key) {
            return Math.toIntExact((Long) get(key));
        }

        /** An integer that may be JSON null. */
        Integer optInteger(String key) {
            Object v = get(key);
            return v == null ? null : Math.toIntExact((Long) v);
        }

        double number(String key) {
            return ((Number) get(key)).doubleValue();
        }

        /** A number that may be JSON null; null gives {@code ifNull}. */
        double number(String key, double ifNull) {
            Object v = get(key);
            return v == null ? ifNull : ((Number) v).doubleValue();
        }

        boolean bool(String key) {
            return (Boolean) get(key);
        }

        String string(String key) {
            return (String) get(key);
        }

        /** An integer list, or null for JSON null. */
        int[] ints(String key) {
            return OracleOps.ints(get(key));
        }

        /** A number list, or null for JSON null. */
        double[] numbers(String key) {
            Object v = get(key);
            return v == null ? null : ((List<?>) v).stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
        }
    }

    static int[] ints(Object jsonList) {
        if (jsonList == null) return null;
        return ((List<?>) jsonList).stream().mapToInt(v -> Math.toIntExact((Long) v)).toArray();
    }

    /** Op name → jgrad call, in the order of the generator's table. */
    static final Map<String, Call> OPS;

    static {
        Map<String, Call> m = new LinkedHashMap<>();
        // unary
        m.put("neg", (in, p) -> in.get(0).neg());
        m.put("exp", (in, p) -> in.get(0).exp());
        m.put("expm1", (in, p) -> in.get(0).expm1());
        m.put("log", (in, p) -> in.get(0).log());
        m.put("sqrt", (in, p) -> in.get(0).sqrt());
        m.put("abs", (in, p) -> in.get(0).abs());
        m.put("relu", (in, p) -> in.get(0).relu());
        m.put("sigmoid", (in, p) -> in.get(0).sigmoid());
        m.put("tanh", (in, p) -> in.get(0).tanh());
        m.put("erf", (in, p) -> in.get(0).erf());
        m.put("gelu", (in, p) -> in.get(0).gelu(switch (p.string("approximate")) {
            case "none" -> false;
            case "tanh" -> true;
            default -> throw new IllegalArgumentException("gelu: unknown approximate " + p.string("approximate"));
        }));
        // binary, broadcasting
        m.put("add", (in, p) -> in.get(0).add(in.get(1)));
        m.put("sub", (in, p) -> in.get(0).sub(in.get(1)));
        m.put("mul", (in, p) -> in.get(0).mul(in.get(1)));
        m.put("div", (in, p) -> in.get(0).div(in.get(1)));
        m.put("pow", (in, p) -> in.get(0).pow(in.get(1)));
        m.put("maximum", (in, p) -> in.get(0).maximum(in.get(1)));
        m.put("minimum", (in, p) -> in.get(0).minimum(in.get(1)));
        // tensor-scalar
        m.put("add_scalar", (in, p) -> in.get(0).add(p.number("value")));
        m.put("mul_scalar", (in, p) -> in.get(0).mul(p.number("value")));
        m.put("pow_scalar", (in, p) -> in.get(0).pow(p.number("exponent")));
        m.put("clamp", (in, p) -> in.get(0).clamp(p.number("min", Double.NEGATIVE_INFINITY), p.number("max", Double.POSITIVE_INFINITY)));
        // selection
        m.put("where", (in, p) -> Tensor.where(in.get(0), in.get(1), in.get(2)));
        // comparisons (bool output)
        m.put("eq", (in, p) -> in.get(0).eq(in.get(1)));
        m.put("ne", (in, p) -> in.get(0).ne(in.get(1)));
        m.put("lt", (in, p) -> in.get(0).lt(in.get(1)));
        m.put("le", (in, p) -> in.get(0).le(in.get(1)));
        m.put("gt", (in, p) -> in.get(0).gt(in.get(1)));
        m.put("ge", (in, p) -> in.get(0).ge(in.get(1)));
        // softmax family
        m.put("softmax", (in, p) -> in.get(0).softmax(p.integer("dim")));
        m.put("log_softmax", (in, p) -> in.get(0).logSoftmax(p.integer("dim")));
        // reductions (null dims: every dim)
        m.put("sum", (in, p) -> in.get(0).sum(p.ints("dims"), p.bool("keepdim")));
        m.put("mean", (in, p) -> in.get(0).mean(p.ints("dims"), p.bool("keepdim")));
        m.put("amax", (in, p) -> in.get(0).amax(p.ints("dims"), p.bool("keepdim")));
        m.put("logsumexp", (in, p) -> in.get(0).logsumexp(p.ints("dims"), p.bool("keepdim")));
        m.put("amin", (in, p) -> in.get(0).amin(p.ints("dims"), p.bool("keepdim")));
        m.put("var", (in, p) -> in.get(0).var(p.ints("dims"), p.bool("keepdim"), p.integer("correction")));
        m.put("argmax", (in, p) -> argmax(in.get(0), p.optInteger("dim"), p.bool("keepdim")));
        // linear algebra
        m.put("matmul", (in, p) -> in.get(0).matmul(in.get(1)));
        m.put("sdpa", (in, p) -> Tensor.scaledDotProductAttention(in.get(0), in.get(1), in.get(2), in.size() > 3 ? in.get(3) : null,
                p.bool("causal"), p.number("scale", Double.NaN)));
        m.put("layer_norm", (in, p) -> {
            int at = 1;
            Tensor w = p.bool("weight") ? in.get(at++) : null, b = p.bool("bias") ? in.get(at) : null;
            return in.get(0).layerNorm(p.ints("normalized_shape"), w, b, p.number("eps"));
        });
        m.put("group_norm", (in, p) -> {
            int at = 1;
            Tensor w = p.bool("weight") ? in.get(at++) : null, b = p.bool("bias") ? in.get(at) : null;
            return in.get(0).groupNorm(p.integer("groups"), w, b, p.number("eps"));
        });
        m.put("interpolate", (in, p) -> in.get(0).interpolate(p.ints("size"), p.numbers("scale_factor"), p.string("mode"), p.bool("align_corners")));
        // losses and regularisation
        m.put("cross_entropy", (in, p) -> in.get(0).crossEntropy(in.get(1), p.integer("ignore_index")));
        m.put("dropout", (in, p) -> in.get(0).dropout(p.number("p"), new Generator(p.integer("seed"))));
        // joining
        m.put("cat", (in, p) -> Tensor.cat(in, p.integer("dim")));
        m.put("stack", (in, p) -> Tensor.stack(in, p.integer("dim")));
        // indexing
        m.put("gather", (in, p) -> in.get(0).gather(p.integer("dim"), in.get(1)));
        m.put("index_select", (in, p) -> in.get(0).indexSelect(p.integer("dim"), in.get(1)));
        m.put("one_hot", (in, p) -> in.get(0).oneHot(p.integer("num_classes")));
        m.put("embedding", (in, p) -> Tensor.embedding(in.get(0), in.get(1)));
        // convolution / pooling
        m.put("conv2d", (in, p) -> in.get(0).conv2d(in.get(1), p.bool("bias") ? in.get(2) : null,
                p.ints("stride"), p.ints("padding"), p.ints("dilation"), p.integer("groups")));
        m.put("conv_transpose2d", (in, p) -> in.get(0).convTranspose2d(in.get(1), p.bool("bias") ? in.get(2) : null,
                p.ints("stride"), p.ints("padding"), p.ints("output_padding"), p.ints("dilation"), p.integer("groups")));
        m.put("max_pool2d", (in, p) -> in.get(0).maxPool2d(p.ints("kernel"), p.ints("stride"), p.ints("padding"),
                p.ints("dilation"), p.bool("ceil_mode")));
        m.put("avg_pool2d", (in, p) -> in.get(0).avgPool2d(p.ints("kernel"), p.ints("stride"), p.ints("padding"),
                p.bool("ceil_mode"), p.bool("count_include_pad")));
        // views and data movement
        m.put("reshape", (in, p) -> in.get(0).reshape(p.ints("shape")));
        m.put("permute", (in, p) -> in.get(0).permute(p.ints("dims")));
        m.put("transpose", (in, p) -> in.get(0).transpose(p.integer("dim0"), p.integer("dim1")));
        m.put("narrow", (in, p) -> in.get(0).narrow(p.integer("dim"), p.integer("start"), p.integer("length")));
        m.put("select", (in, p) -> in.get(0).select(p.integer("dim"), p.integer("index")));
        m.put("slice", (in, p) -> in.get(0).slice(p.integer("dim"), p.integer("start"), p.integer("end"), p.integer("step")));
        m.put("expand", (in, p) -> in.get(0).expand(p.ints("shape")));
        m.put("squeeze", (in, p) -> p.optInteger("dim") == null ? in.get(0).squeeze() : in.get(0).squeeze(p.integer("dim")));
        m.put("unsqueeze", (in, p) -> in.get(0).unsqueeze(p.integer("dim")));
        m.put("flatten", (in, p) -> in.get(0).flatten(p.integer("start"), p.integer("end")));
        m.put("contiguous", (in, p) -> in.get(0).contiguous());
        // selection with indices, sorting
        m.put("max_dim", (in, p) -> in.get(0).max(p.integer("dim"), p.bool("keepdim")).values());
        m.put("max_dim_indices", (in, p) -> in.get(0).max(p.integer("dim"), p.bool("keepdim")).indices());
        m.put("min_dim", (in, p) -> in.get(0).min(p.integer("dim"), p.bool("keepdim")).values());
        m.put("min_dim_indices", (in, p) -> in.get(0).min(p.integer("dim"), p.bool("keepdim")).indices());
        m.put("sort", (in, p) -> in.get(0).sort(p.integer("dim"), p.bool("descending")).values());
        m.put("argsort", (in, p) -> in.get(0).argsort(p.integer("dim"), p.bool("descending")));
        m.put("topk", (in, p) -> in.get(0).topk(p.integer("k"), p.integer("dim"), p.bool("largest")).values());
        m.put("topk_indices", (in, p) -> in.get(0).topk(p.integer("k"), p.integer("dim"), p.bool("largest")).indices());
        // scans and reductions (null dim: every dim)
        m.put("cumsum", (in, p) -> in.get(0).cumsum(p.integer("dim")));
        m.put("cumprod", (in, p) -> in.get(0).cumprod(p.integer("dim")));
        m.put("prod", (in, p) -> p.optInteger("dim") == null ? in.get(0).prod() : in.get(0).prod(p.integer("dim"), p.bool("keepdim")));
        m.put("any", (in, p) -> p.optInteger("dim") == null ? in.get(0).any() : in.get(0).any(new int[] {p.integer("dim")}, p.bool("keepdim")));
        m.put("all", (in, p) -> p.optInteger("dim") == null ? in.get(0).all() : in.get(0).all(new int[] {p.integer("dim")}, p.bool("keepdim")));
        m.put("norm", (in, p) -> in.get(0).norm(order(p.json().get("ord")), p.ints("dims"), p.bool("keepdim")));
        // splitting: the parts flattened and concatenated, as the fixture joins them
        m.put("split", (in, p) -> joined(p.json().get("split") instanceof List<?> sizes ? in.get(0).split(ints(sizes), p.integer("dim"))
                : in.get(0).split(p.integer("split"), p.integer("dim"))));
        m.put("chunk", (in, p) -> joined(in.get(0).chunk(p.integer("chunks"), p.integer("dim"))));
        m.put("unbind", (in, p) -> joined(in.get(0).unbind(p.integer("dim"))));
        // repetition and reordering
        m.put("repeat", (in, p) -> in.get(0).repeat(p.ints("repeats")));
        m.put("tile", (in, p) -> in.get(0).tile(p.ints("reps")));
        m.put("flip", (in, p) -> in.get(0).flip(p.ints("dims")));
        m.put("roll", (in, p) -> in.get(0).roll(p.ints("shifts"), p.ints("dims")));
        // masks, selection with scalars, tensor bounds
        m.put("masked_fill", (in, p) -> in.get(0).maskedFill(in.get(1), p.number("value")));
        m.put("tril", (in, p) -> in.get(0).tril(p.integer("diagonal")));
        m.put("triu", (in, p) -> in.get(0).triu(p.integer("diagonal")));
        m.put("where_scalar", (in, p) -> switch (p.string("form")) {
            case "ts" -> Tensor.where(in.get(0), in.get(1), p.number("b"));
            case "st" -> Tensor.where(in.get(0), p.number("a"), in.get(1));
            default -> throw new IllegalArgumentException("where_scalar: unknown form " + p.string("form"));
        });
        m.put("clamp_tensor", (in, p) -> {
            int at = 1;
            Tensor lo = p.bool("min") ? in.get(at++) : null, hi = p.bool("max") ? in.get(at) : null;
            return in.get(0).clamp(lo, hi);
        });
        // padding and einsum
        m.put("pad", (in, p) -> switch (p.string("mode")) {
            case "constant" -> in.get(0).pad(p.ints("pad"), p.number("value"));
            case "reflect" -> in.get(0).pad(p.ints("pad"), PadMode.REFLECT);
            case "replicate" -> in.get(0).pad(p.ints("pad"), PadMode.REPLICATE);
            default -> throw new IllegalArgumentException("pad: unknown mode " + p.string("mode"));
        });
        m.put("einsum", (in, p) -> Tensor.einsum(p.string("equation"), in));
        OPS = Collections.unmodifiableMap(m);
    }

    /** A norm order from JSON: a number, or "inf" / "-inf". */
    private static double order(Object v) {
        if (v instanceof String s) return s.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        return ((Number) v).doubleValue();
    }

    /** The parts flattened and concatenated in order, as the fixtures of split, chunk and unbind hold them. */
    private static Tensor joined(List<Tensor> parts) {
        return Tensor.cat(parts.stream().map(t -> t.reshape(-1)).toList(), 0);
    }

    /** torch.argmax: with no dim, the flat index, shaped [1, …, 1] under keepdim. */
    private static Tensor argmax(Tensor x, Integer dim, boolean keepDim) {
        if (dim != null) return x.argmax(dim, keepDim);
        Tensor flat = x.argmax();
        if (!keepDim) return flat;
        int[] ones = new int[x.dim()];
        java.util.Arrays.fill(ones, 1);
        return flat.reshape(ones);
    }

    /** Applies a case's {@code "views"} transforms for one input, in order. */
    static Tensor applyViews(Tensor t, List<?> transforms) {
        for (Object tr : transforms) {
            Map<?, ?> one = (Map<?, ?>) tr;
            if (one.size() != 1) throw new IllegalArgumentException("a view transform has exactly one key, got " + one);
            Map.Entry<?, ?> kv = one.entrySet().iterator().next();
            int[] arg = ints(kv.getValue());
            t = switch ((String) kv.getKey()) {
                case "permute" -> t.permute(arg);
                case "transpose" -> t.transpose(arg[0], arg[1]);
                case "slice" -> t.slice(arg[0], arg[1], arg[2], arg[3]);
                case "expand" -> t.expand(arg);
                default -> throw new IllegalArgumentException("unknown view transform " + kv.getKey());
            };
        }
        return t;
    }
}
