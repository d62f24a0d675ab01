package dev.jgrad.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What machine and software a benchmark ran on, collected by the CLI itself: the CPU (model
 * name, vendor, family, model, stepping and the microarchitecture they imply, see
 * {@link CpuId}), core count, JDK, JVM flags, OS, the SIMD width jgrad's kernels use, and the
 * jgrad commit when run from a git checkout.
 *
 * <pre>{@code
 * Map<String, String> m = MachineInfo.collect(2);
 * m.forEach((k, v) -> System.out.println(k + ": " + v));
 * }</pre>
 */
public final class MachineInfo {
    private MachineInfo() {}

    /** The description as ordered key/value lines. */
    public static Map<String, String> collect(int threads) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("date", java.time.ZonedDateTime.now().withNano(0).toString());
        CpuId cpu = cpuId();
        m.put("cpu", cpu.describe());
        m.put("cpu model", cpuModel());
        m.put("cpu vendor / family / model / stepping", (cpu.vendor().isEmpty() ? "unknown" : cpu.vendor()) + " / " + cpu.family() + " / "
                + cpu.model() + " / " + cpu.stepping() + (cpu.family() >= 0 ? String.format(Locale.ROOT, " (family 0x%x, model 0x%x)",
                        cpu.family(), Math.max(cpu.model(), 0)) : ""));
        m.put("cpu microarchitecture", cpu.microarchitecture().isEmpty() ? "not in jgrad's table" : cpu.microarchitecture());
        m.put("cores (available processors)", Integer.toString(Runtime.getRuntime().availableProcessors()));
        String lscpu = run("lscpu");
        for (String key : new String[] {"CPU(s):", "Thread(s) per core:", "Core(s) per socket:", "L2 cache:", "L3 cache:", "Hypervisor vendor:"}) {
            String v = field(lscpu, key);
            if (v != null) m.put("lscpu " + key.replace(":", ""), v);
        }
        String flags = field(lscpu, "Flags:");
        if (flags != null) m.put("avx512f / avx2 / fma", has(flags, "avx512f") + " / " + has(flags, "avx2") + " / " + has(flags, "fma"));
        m.put("threads used", Integer.toString(threads));
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
                + System.getProperty("java.vendor") + ")");
        m.put("jvm flags", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        m.put("max heap", (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        m.put("vector api", Peak.vectorApiReadable() ? "readable, preferred species " + Peak.vectorBits() + " bits" : "not readable");
        m.put("jgrad simd", jgradSimd());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")
                + osRelease());
        m.put("load average at start", loadAverage());
        String commit = run("git", "rev-parse", "--short", "HEAD");
        if (!commit.isBlank()) {
            String dirty = run("git", "status", "--porcelain", "--untracked-files=no");
            m.put("jgrad commit", commit.trim() + (dirty.isBlank() ? "" : " (with uncommitted changes)"));
        }
        return m;
    }

    /** The CPU as {@code /proc/cpuinfo} describes it (else {@code lscpu}), or {@link CpuId#UNKNOWN}. */
    public static CpuId cpuId() {
        CpuId id;
        try {
            id = CpuId.parse(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            id = CpuId.UNKNOWN;
        }
        return id.family() >= 0 ? id : CpuId.parse(run("lscpu"));
    }

    /** The vector width jgrad's float32 kernels use: "512-bit Vector API (16 float lanes)", or why they run scalar. */
    static String jgradSimd() {
        if (!dev.jgrad.kernels.Simd.available()) {
            return "none: scalar loops (" + dev.jgrad.kernels.Simd.problem().orElse("SIMD off") + ")";
        }
        return dev.jgrad.kernels.Simd.preferredBits() + "-bit Vector API (" + dev.jgrad.kernels.Simd.floatLanes() + " float lanes, "
                + "FloatVector.SPECIES_PREFERRED)";
    }

    /** The lscpu "Model name" line, or /proc/cpuinfo's "model name", or "unknown". */
    public static String cpuModel() {
        String v = field(run("lscpu"), "Model name:");
        if (v == null) {
            try {
                v = field(Files.readString(Path.of("/proc/cpuinfo")), "model name");
                if (v != null && v.startsWith(":")) v = v.substring(1).trim();
            } catch (IOException | RuntimeException e) {
                v = null;
            }
        }
        return v == null || v.isBlank() ? "unknown" : v;
    }

    /** A short folder-name tag such as "amd-epyc-2c". */
    public static String hostTag() {
        String model = cpuModel().toLowerCase(Locale.ROOT)
                .replaceAll("\\(r\\)|\\(tm\\)|cpu|processor|@.*", " ")
                .replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        String[] words = model.split("-");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(4, words.length); i++) sb.append(sb.isEmpty() ? "" : "-").append(words[i]);
        String arch = cpuId().microarchitecture().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        if (!arch.isEmpty() && !sb.toString().replace("-", "").contains(arch)) sb.append(sb.isEmpty() ? "" : "-").append(arch);
        return (sb.isEmpty() ? "cpu" : sb) + "-" + Runtime.getRuntime().availableProcessors() + "c";
    }

    /** The 1, 5 and 15 minute load averages from /proc/loadavg, or "unknown": other work on the machine skews every figure. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String has(String flags, String flag) {
        return List.of(flags.split("\\s+")).contains(flag) ? "yes" : "no";
    }

    private static String osRelease() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) return " (" + line.substring(12).replace("\"", "") + ")";
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no os-release: the system properties say enough
        }
        return "";
    }

    private static String field(String text, String key) {
        if (text == null) return null;
        for (String line : text.split("\n")) {
            if (line.startsWith(key)) return line.substring(key.length()).trim();
        }
        return null;
    }

    /**
     * Prints a warning when the 1-minute load average at the start (from {@link #collect}) shows
     * other work on the machine, which would skew what is measured next.
     *
     * @param machine what {@link #collect} returned
     */
    static void warnIfBusy(Map<String, String> machine) {
        String load = machine.get("load average at start");
        if (load != null && !load.equals("unknown") && Double.parseDouble(load.split(" ")[0]) > 0.5) {
            System.out.println("warning: load average " + load + " before starting: other work on this machine will skew the figures");
        }
    }

    /** A command's stdout, or "" when it cannot run. */
    static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0 ? s : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
