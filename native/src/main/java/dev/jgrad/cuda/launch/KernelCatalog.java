package dev.jgrad.cuda.launch;

import dev.jgrad.cuda.launch.KernelArgs.KernelSig;
import dev.jgrad.cuda.launch.KernelArgs.Param;
import dev.jgrad.cuda.runtime.KernelModules;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every CUDA kernel the jar carries, with its parameters as the compiler declared them: the
 * {@code .visible .entry name(params)} lines of the committed PTX of each module, read once, on
 * first use. A launch looks its kernel up here and checks its packed arguments against the
 * signature, so the Java side declares no kernel by hand: adding a kernel to a {@code .cu} file
 * and rebuilding (cuda-kernels/build-kernels.sh) is all it takes to launch it.
 *
 * <p>PTX parameter kinds: {@code .u64 .s64 .b64} → {@link Param#B64} (a pointer or a
 * {@code long long}); {@code .u32 .s32 .b32} → {@link Param#I32}; {@code .f32}, {@code .f64};
 * {@code .align A .b8 name[N]} → {@link Param#STRUCT} of N bytes (a struct by value).
 *
 * <pre>{@code
 * if (KernelCatalog.contains("cross_entropy_fwd_f32")) {
 *     KernelCatalog.Kernel k = KernelCatalog.get("cross_entropy_fwd_f32");
 *     System.out.println(k.module() + " " + k.signature());   // crossentropy (B64:8, B64:8, ...)
 * }
 * }</pre>
 */
public final class KernelCatalog {
    private KernelCatalog() {}

    /**
     * The compiled modules: one per {@code cuda-kernels/src/main/cuda/<module>.cu}, carried as
     * {@code <module>.ptx} and cubins in {@value KernelModules#SOURCE}. The only list of them.
     */
    private static final List<String> MODULES = List.of("attention", "conv", "convgemm", "crossentropy", "dropout", "elementwise", "gemm",
            "indexing", "layernorm", "matmul", "optim", "reduce", "scan", "softmax", "sort");

    /** A kernel: its entry name, the module (PTX file) that holds it and its parameters. */
    public record Kernel(String name, String module, KernelSig signature) {}

    /** Parsed on first use (class initialisation is lazy and runs once). */
    private static final class Holder {
        static final Map<String, Kernel> KERNELS = load();
    }

    /** The module names, in the order they are read. */
    public static List<String> modules() {
        return MODULES;
    }

    /** Whether a kernel named {@code name} exists in some module. */
    public static boolean contains(String name) {
        return Holder.KERNELS.containsKey(name);
    }

    /** The kernel named {@code name}; an IllegalStateException naming it and the modules searched when there is none. */
    public static Kernel get(String name) {
        Kernel k = Holder.KERNELS.get(name);
        if (k == null) {
            throw new IllegalStateException("no CUDA kernel named '" + name + "' in jgrad's compiled modules " + MODULES
                    + " (is it declared extern \"C\" __global__ in cuda-kernels/src/main/cuda, and were the kernels rebuilt with build-kernels.sh?)");
        }
        return k;
    }

    /** Every kernel by name, in module then PTX order. */
    public static Map<String, Kernel> all() {
        return Holder.KERNELS;
    }

    private static Map<String, Kernel> load() {
        Map<String, Kernel> all = new LinkedHashMap<>();
        for (String module : MODULES) {
            byte[] ptx = KernelModules.read(module + ".ptx");
            if (ptx == null) {
                throw new IllegalStateException("kernel module '" + module + "': " + module + ".ptx is missing from "
                        + KernelModules.SOURCE);
            }
            for (Map.Entry<String, KernelSig> e : parse(module, ptx).entrySet()) {
                Kernel previous = all.putIfAbsent(e.getKey(), new Kernel(e.getKey(), module, e.getValue()));
                if (previous != null) {
                    throw new IllegalStateException("kernel '" + e.getKey() + "' is defined in both " + previous.module() + ".ptx and " + module
                            + ".ptx");
                }
            }
        }
        return Collections.unmodifiableMap(all);
    }

    private static final byte[] ENTRY = ".visible .entry ".getBytes(StandardCharsets.US_ASCII);

    /**
     * The entry points of one PTX file: name → signature, in file order. The bytes are searched
     * as they are and only the declarations decoded: decoding megabytes of kernel bodies into a
     * String cost more than the search itself.
     */
    static Map<String, KernelSig> parse(String module, byte[] ptx) {
        Map<String, KernelSig> out = new LinkedHashMap<>();
        for (int at = indexOf(ptx, ENTRY, 0); at >= 0; at = indexOf(ptx, ENTRY, at)) {
            int open = indexOf(ptx, (byte) '(', at), close = open < 0 ? -1 : indexOf(ptx, (byte) ')', open);
            if (close < 0) throw new IllegalStateException(module + ".ptx: unterminated entry at offset " + at);
            String name = new String(ptx, at + ENTRY.length, open - at - ENTRY.length, StandardCharsets.ISO_8859_1).strip();
            String params = new String(ptx, open + 1, close - open - 1, StandardCharsets.ISO_8859_1);
            List<Param> kinds = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            if (!params.isBlank()) {
                for (String decl : params.split(",")) parameter(module, name, decl.strip(), kinds, sizes);
            }
            int[] s = new int[sizes.size()];
            for (int i = 0; i < s.length; i++) s[i] = sizes.get(i);
            if (out.put(name, new KernelSig(kinds.toArray(new Param[0]), s)) != null) {
                throw new IllegalStateException(module + ".ptx declares kernel '" + name + "' twice");
            }
            at = close;
        }
        return out;
    }

    /** The whitespace-separated words of a declaration (no regex: this runs in a cold JVM). */
    private static String[] tokens(String decl) {
        List<String> words = new ArrayList<>();
        for (int i = 0, n = decl.length(); i < n; ) {
            while (i < n && Character.isWhitespace(decl.charAt(i))) i++;
            int start = i;
            while (i < n && !Character.isWhitespace(decl.charAt(i))) i++;
            if (i > start) words.add(decl.substring(start, i));
        }
        return words.toArray(new String[0]);
    }

    private static int indexOf(byte[] text, byte[] pattern, int from) {
        outer:
        for (int i = Math.max(from, 0), end = text.length - pattern.length; i <= end; i++) {
            if (text[i] != pattern[0]) continue;
            for (int k = 1; k < pattern.length; k++) if (text[i + k] != pattern[k]) continue outer;
            return i;
        }
        return -1;
    }

    private static int indexOf(byte[] text, byte b, int from) {
        for (int i = from; i < text.length; i++) if (text[i] == b) return i;
        return -1;
    }

    /**
     * One declaration, e.g. {@code .param .u64 k_param_0}, {@code .param .u64 .ptr .global .align 4 k_param_1}
     * or {@code .param .align 4 .b8 k_param_2[100]}.
     */
    private static void parameter(String module, String kernel, String decl, List<Param> kinds, List<Integer> sizes) {
        String[] tok = tokens(decl);
        String type = null;
        int i = 0;
        if (tok.length > 0 && tok[0].equals(".param")) i++;
        for (; i < tok.length - 1; i++) {
            String t = tok[i];
            if (t.equals(".align")) i++;   // the alignment value; the launch copies each argument on its own
            else if (type == null) type = t;
            // after the type: state-space qualifiers of a pointer parameter (.ptr .global ...), ignored
        }
        String id = tok[tok.length - 1];
        int bracket = id.indexOf('[');
        int count = bracket < 0 ? -1 : Integer.parseInt(id.substring(bracket + 1, id.indexOf(']', bracket)));
        Param kind = type == null ? null : switch (type) {
            case ".u64", ".s64", ".b64" -> Param.B64;
            case ".u32", ".s32", ".b32" -> Param.I32;
            case ".f32" -> Param.F32;
            case ".f64" -> Param.F64;
            case ".b8" -> count > 0 ? Param.STRUCT : null;
            default -> null;
        };
        if (kind == null || (count >= 0 && kind != Param.STRUCT)) {
            throw new IllegalStateException(module + ".ptx: kernel '" + kernel + "' has a parameter of a kind jgrad cannot pass: '" + decl
                    + "' (known: .u64/.s64/.b64, .u32/.s32/.b32, .f32, .f64, .align A .b8 name[N])");
        }
        kinds.add(kind);
        sizes.add(kind == Param.STRUCT ? count : kind.bytes);
    }
}
