package dev.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.cuda.launch.KernelCatalog;
import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.ReduceFn;
import dev.jgrad.kernels.UnaryFn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No CUDA kernel without a caller: every entry point of the compiled PTX is launched by library
 * code, not only by tests and benchmarks. Without a GPU this is a source check: each kernel's
 * name must start with a string literal of the main sources (its launch site), and that launch
 * site must be reached from the tensor or nn module — either it is there, or it is in a
 * launcher method of the native module that those modules call (following private helpers
 * within the launcher), or it is in a launcher's table of kernels whose class they use. The
 * elementwise and reduction families must moreover be exactly the functions of {@link UnaryFn},
 * {@link BinaryFn} and {@link ReduceFn} that name them.
 */
class CudaKernelCallersTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final List<String> CALLER_MODULES = List.of("tensor", "nn");
    private static final Pattern LITERAL = Pattern.compile("\"([a-z][a-z0-9_]{3,})\"");
    /** A method declaration's first line: modifiers, a return type (not a statement keyword), the name, "(". */
    private static final Pattern METHOD = Pattern.compile("^\\s+((?:public|private|protected|static|final|synchronized)\\s+)*"
            + "(?!(?:return|throw|new|else|yield|case)\\b)\\w[\\w<>\\[\\], .?]*\\s+(\\w+)\\([^;=]*$");
    private static final String TYPES = "(f32|f64|i32|i64|bool|f16|bf16)";

    /** One source file's text and lines, comments blanked (Javadoc examples name kernels too), and whether it is in a caller module. */
    private record Source(Path path, String text, List<String> lines, boolean caller) {}

    private static String code(String line) {
        String t = line.trim();
        return t.startsWith("*") || t.startsWith("/*") || t.startsWith("//") ? "" : line;
    }

    private static List<Source> mainSources() {
        List<Source> all = new ArrayList<>();
        for (String module : List.of("native", "tensor", "nn")) {
            Path dir = ROOT.resolve(module).resolve("src/main/java");
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    List<String> lines = Files.readString(f).lines().map(CudaKernelCallersTest::code).toList();
                    all.add(new Source(f, String.join("\n", lines), lines, CALLER_MODULES.contains(module)));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all;
    }

    @Test
    void everyCompiledKernelHasACallerInTheLibrary() {
        List<Source> sources = mainSources();
        List<String> problems = new ArrayList<>();
        for (String kernel : new TreeSet<>(KernelCatalog.all().keySet())) {
            String why = uncalled(kernel, sources);
            if (why != null) problems.add(kernel + ": " + why);
        }
        assertTrue(problems.isEmpty(), "CUDA kernels without a caller outside tests and benchmarks:\n" + String.join("\n", problems));
    }

    @Test
    void theElementwiseAndReductionKernelsAreExactlyTheFunctionsThatNameThem() {
        Set<String> unary = names(UnaryFn.values()), binary = names(BinaryFn.values()), reduce = names(ReduceFn.values());
        Set<String> seenUnary = new HashSet<>(), seenBinary = new HashSet<>();
        List<String> problems = new ArrayList<>();
        for (String k : KernelCatalog.all().keySet()) {
            Matcher u = Pattern.compile("unary_(\\w+)_" + TYPES).matcher(k), b = Pattern.compile("binary_(\\w+)_" + TYPES).matcher(k);
            Matcher r = Pattern.compile("reduce_(?:rows|cols|finish)_(\\w+)_" + TYPES).matcher(k);
            if (u.matches() && !unary.contains(u.group(1))) problems.add(k + ": no UnaryFn has cudaName " + u.group(1));
            if (u.matches()) seenUnary.add(u.group(1));
            if (b.matches() && !binary.contains(b.group(1))) problems.add(k + ": no BinaryFn has cudaName " + b.group(1));
            if (b.matches()) seenBinary.add(b.group(1));
            if (r.matches() && !reduce.contains(r.group(1))) problems.add(k + ": no ReduceFn has cudaName " + r.group(1));
        }
        for (String fn : unary) {
            for (String t : List.of("f32", "f64")) if (!KernelCatalog.contains("unary_" + fn + "_" + t)) problems.add("unary_" + fn + "_" + t + " is missing");
        }
        for (String fn : binary) {
            for (String t : List.of("f32", "f64")) if (!KernelCatalog.contains("binary_" + fn + "_" + t)) problems.add("binary_" + fn + "_" + t + " is missing");
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(seenUnary.equals(unary) && seenBinary.equals(binary), "functions without kernels: " + seenUnary + " " + seenBinary);
    }

    private static Set<String> names(Enum<?>[] fns) {
        Set<String> s = new HashSet<>();
        for (Enum<?> fn : fns) {
            s.add(switch (fn) {
                case UnaryFn u -> u.cudaName();
                case BinaryFn b -> b.cudaName();
                case ReduceFn r -> r.cudaName();
                default -> throw new IllegalArgumentException(fn.toString());
            });
        }
        return s;
    }

    /** Null when {@code kernel} is reached from a caller module, else why not. */
    private static String uncalled(String kernel, List<Source> sources) {
        String best = null;
        List<int[]> sites = new ArrayList<>();   // {source index, line}
        for (int i = 0; i < sources.size(); i++) {
            List<String> lines = sources.get(i).lines();
            for (int l = 0; l < lines.size(); l++) {
                Matcher m = LITERAL.matcher(lines.get(l));
                while (m.find()) {
                    String lit = m.group(1);
                    if (!kernel.startsWith(lit) || (best != null && lit.length() < best.length())) continue;
                    if (best == null || lit.length() > best.length()) sites.clear();
                    best = lit;
                    sites.add(new int[] {i, l});
                }
            }
        }
        if (best == null) return "no string literal in the main sources starts its name";
        for (int[] site : sites) {
            Source s = sources.get(site[0]);
            if (s.caller() || reached(s, site[1], sources, 0)) return null;
        }
        return "launched only at " + Arrays.toString(sites.stream().map(x -> sources.get(x[0]).path().getFileName() + ":" + (x[1] + 1)).toArray())
                + ", which nothing in " + CALLER_MODULES + " reaches";
    }

    /** Whether the code at {@code line} of launcher {@code s} is reached from a caller module. */
    private static boolean reached(Source s, int line, List<Source> sources, int depth) {
        String cls = s.path().getFileName().toString().replace(".java", "");
        for (int l = line; l >= 0; l--) {
            Matcher m = METHOD.matcher(s.lines().get(l));
            if (!m.find()) continue;
            String method = m.group(2);
            boolean isPublic = s.lines().get(l).contains("public ");
            if (isPublic && (calledFromCallers("." + method + "(", sources) || calledFromCallers("::" + method, sources))) return true;
            if (depth > 4) return false;
            for (int c = 0; c < s.lines().size(); c++) {   // a helper: reached when a method of this launcher that calls it is
                if (c != l && s.lines().get(c).matches(".*\\b" + method + "\\(.*") && reached(s, c, sources, depth + 1)) return true;
            }
            return false;
        }
        return calledFromCallers(cls + ".", sources);   // a table of the launcher's kernels, outside any method
    }

    private static boolean calledFromCallers(String token, List<Source> sources) {
        for (Source s : sources) if (s.caller() && s.text().contains(token)) return true;
        return false;
    }
}
