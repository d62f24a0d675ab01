package dev.jgrad.tensor;

import dev.jgrad.kernels.Parallel;
import dev.jgrad.kernels.Simd;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.module.ModuleFinder;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.jar.JarFile;

/**
 * What jgrad sees of the machine and the JVM it runs in, as a readable report: jgrad and JDK
 * versions, the JVM flags that matter (Vector API, native access), SIMD width, threads, heap, CPU,
 * and CUDA (driver, cuBLAS, devices, which compiled kernel image a GPU loads), ending with a
 * verdict line that lists each problem with its fix. The first thing to run when something is
 * slow or a GPU is not used, and what to paste into a bug report.
 *
 * <pre>{@code
 * System.out.println(Doctor.report());                 // from an application
 * Doctor.diagnose().problems().forEach(System.err::println);
 * }</pre>
 *
 * From a shell: {@code ./jgrad doctor}, or
 * {@code java --add-modules jdk.incubator.vector --enable-native-access=dev.jgrad.cuda --module-path JARS -m dev.jgrad.tensor/dev.jgrad.tensor.Doctor}
 * ({@code --strict}: exit code 1 when there is a problem).
 */
public final class Doctor {
    private static final String CUDA_MODULE = "dev.jgrad.cuda";

    private final List<String> lines = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    private Doctor() {}

    /**
     * A finished diagnosis.
     *
     * @param lines    the report's lines, each "name: value"
     * @param problems each problem with its fix, "what: fix"; empty when all is well
     */
    public record Report(List<String> lines, List<String> problems) {
        /** Copies both lists, so that a report does not change after it is made. */
        public Report {
            lines = List.copyOf(lines);
            problems = List.copyOf(problems);
        }

        /** {@return the verdict: "OK, no problems found" or "N problem(s): what: fix; …"} */
        public String verdict() {
            if (problems.isEmpty()) return "OK, no problems found";
            return problems.size() + (problems.size() == 1 ? " problem: " : " problems: ") + String.join("; ", problems);
        }

        /** {@return every line, then the verdict line, one per line} */
        public String text() {
            StringBuilder sb = new StringBuilder();
            for (String l : lines) sb.append(l).append('\n');
            return sb.append("verdict: ").append(verdict()).append('\n').toString();
        }
    }

    /** {@return a diagnosis of this JVM and machine now; never throws (a part that cannot be read says so in its line)} */
    public static Report diagnose() {
        Doctor d = new Doctor();
        d.section("jgrad", d::jgradAndJava);
        d.section("simd", d::simd);
        d.section("cpu", d::cpuAndMemory);
        d.section("cuda", d::cuda);
        return new Report(d.lines, d.problems);
    }

    /** {@return {@link #diagnose()} as text: the lines and the verdict} */
    public static String report() {
        return diagnose().text();
    }

    /**
     * Prints the report; {@code --strict} exits 1 when it lists a problem.
     *
     * @param args {@code --strict} or {@code --help}
     */
    public static void main(String[] args) {
        boolean strict = false;
        for (String a : args) {
            switch (a) {
                case "--strict" -> strict = true;
                case "--help", "-h" -> {
                    System.out.println("usage: doctor [--strict]: prints what jgrad sees of the JVM, CPU and GPU, and a verdict "
                            + "listing problems with their fixes; --strict exits 1 when there is a problem");
                    return;
                }
                default -> {
                    System.err.println("jgrad doctor: unknown option '" + a + "' (options: --strict, --help)");
                    System.exit(2);
                }
            }
        }
        Report r = diagnose();
        System.out.print(r.text());
        if (strict && !r.problems().isEmpty()) System.exit(1);
    }

    // ---- the parts -------------------------------------------------------------------------------------------

    private void jgradAndJava() {
        line("jgrad version", version());
        Runtime.Version v = Runtime.version();
        line("java", v + ", " + System.getProperty("java.vendor") + " (" + System.getProperty("java.vm.name") + ")");
        line("java home", System.getProperty("java.home"));
        line("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        line("mode", Doctor.class.getModule().isNamed() ? "module path (jgrad's modules are named modules)" : "class path");
        List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        line("jvm flags", flags.isEmpty() ? "none" : String.join(" ", flags));
        List<String> props = System.getProperties().stringPropertyNames().stream().filter(n -> n.startsWith("jgrad.")).sorted()
                .map(n -> "-D" + n + "=" + System.getProperty(n)).toList();
        line("jgrad properties", props.isEmpty() ? "none" : String.join(" ", props));
    }

    private void simd() {
        line("vector api", Simd.vectorModuleReadable() ? "jdk.incubator.vector readable"
                : "jdk.incubator.vector not readable (the JVM was started without " + Simd.FLAG + ")");
        String width = Simd.preferredBits() + "-bit vectors, " + Simd.floatLanes() + " float lanes";
        if (Simd.available()) {
            line("simd", "on, " + width);
            line("sgemm blocking", dev.jgrad.kernels.typed.GemmTuner.choice().describe());
        } else if (Simd.switchedOff()) {
            line("simd", "off by -D" + Simd.SIMD_PROPERTY + "=false (your choice; " + (Simd.vectorModuleReadable() ? width : "the Vector API is "
                    + "not readable either") + ")");
        } else {
            line("simd", "off: " + Simd.problem().orElse(""));
            problem("SIMD off", "add " + Simd.FLAG + " to the java command (float32 kernels run scalar loops, "
                    + "about 30-50x slower for matmul)");
        }
    }

    private void cpuAndMemory() {
        line("cpu", cpu());
        int cpus = Runtime.getRuntime().availableProcessors();
        line("available processors", Integer.toString(cpus));
        String prop = System.getProperty("jgrad.threads");
        line("threads", Parallel.threads() + " in jgrad's pool (" + (prop == null ? "the default, one per available processor; "
                + "-Djgrad.threads=N or Parallel.setThreads to change" : "-Djgrad.threads=" + prop) + ")");
        long init = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getInit();
        line("heap", "max " + mib(Runtime.getRuntime().maxMemory()) + ", initial " + (init < 0 ? "unknown" : mib(init)));
    }

    private void cuda() {
        switch (cudaModule()) {
            case PRESENT -> CudaDoctor.describe(this);
            case NOT_RESOLVED -> {
                line("cuda module", "on the module path but not resolved");
                problem("CUDA module not resolved", "add --add-modules " + CUDA_MODULE + " to use a GPU");
            }
            case ABSENT -> line("cuda module", "absent (" + CUDA_MODULE + " is not on the path): CPU only");
        }
    }

    private enum Presence { PRESENT, NOT_RESOLVED, ABSENT }

    /**
     * Whether the CUDA module is there to call, checked without loading any of its classes: the
     * tensor module runs without it, and {@link CudaDoctor} (which touches its classes) is loaded only
     * when it is present.
     */
    private static Presence cudaModule() {
        if (CudaSupport.present()) return Presence.PRESENT;
        if (!Doctor.class.getModule().isNamed()) return Presence.ABSENT;
        String path = System.getProperty("jdk.module.path");
        if (path != null && !path.isBlank()) {
            Path[] entries = Arrays.stream(path.split(java.io.File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of).toArray(Path[]::new);
            try {
                if (ModuleFinder.of(entries).find(CUDA_MODULE).isPresent()) return Presence.NOT_RESOLVED;
            } catch (RuntimeException e) {
                // an unreadable module path entry: the module is not usable either way
            }
        }
        return Presence.ABSENT;
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** Adds a "name: value" line. */
    void line(String name, String value) {
        lines.add(name + ": " + value);
    }

    /** Adds a problem and its fix to the verdict. */
    void problem(String what, String fix) {
        problems.add(what + ": " + fix);
    }

    /** Runs one part; a failure becomes a line instead of ending the report. */
    private void section(String name, Runnable part) {
        try {
            part.run();
        } catch (Throwable t) {
            line(name, "could not be read: " + t);
        }
    }

    /** The jar manifest's Implementation-Version, else the module's version, else "development build". */
    static String version() {
        String v = Doctor.class.getPackage().getImplementationVersion();
        if (v == null) v = manifestVersion();
        if (v == null) v = Doctor.class.getModule().getDescriptor() == null ? null
                : Doctor.class.getModule().getDescriptor().rawVersion().orElse(null);
        return v == null ? "development build" : v;
    }

    private static String manifestVersion() {
        try {
            URL where = Doctor.class.getProtectionDomain().getCodeSource().getLocation();
            Path p = Path.of(where.toURI());
            if (!Files.isRegularFile(p)) return null;
            try (JarFile jar = new JarFile(p.toFile())) {
                return jar.getManifest() == null ? null : jar.getManifest().getMainAttributes().getValue("Implementation-Version");
            }
        } catch (Exception | LinkageError e) {
            return null;
        }
    }

    /** "AMD EPYC 9B45, family 26 (avx512f yes, avx2 yes, fma yes)" from /proc/cpuinfo, else the architecture. */
    static String cpu() {
        String arch = System.getProperty("os.arch");
        try {
            List<String> info = Files.readAllLines(Path.of("/proc/cpuinfo"));
            String model = field(info, "model name"), family = field(info, "cpu family"), flags = field(info, "flags");
            if (model == null) return arch;
            StringBuilder sb = new StringBuilder(model);
            if (family != null) sb.append(", family ").append(family);
            if (flags != null) {
                List<String> f = List.of(flags.split("\\s+"));
                sb.append(" (");
                for (String want : List.of("avx512f", "avx2", "fma")) {
                    sb.append(want).append(f.contains(want) ? " yes" : " no").append(want.equals("fma") ? ")" : ", ");
                }
            }
            return sb.toString();
        } catch (IOException | RuntimeException e) {
            return arch;
        }
    }

    private static String field(List<String> lines, String key) {
        for (String l : lines) {
            int colon = l.indexOf(':');
            if (colon > 0 && l.substring(0, colon).trim().equals(key)) return l.substring(colon + 1).trim();
        }
        return null;
    }

    static String mib(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30)) : (bytes >> 20) + " MiB";
    }
}
