package dev.jgrad.bench;

import java.util.List;
import java.util.Locale;

/**
 * Which CPU a benchmark ran on, precisely enough to compare runs: vendor, family, model and
 * stepping as the kernel reports them ({@code /proc/cpuinfo} or {@code lscpu}), the model name,
 * and the microarchitecture they imply where a table knows it. A virtual machine often shows a
 * bare "AMD EPYC" as its model name, and a GEMM tuned on Zen 4 does not carry to Zen 5, so the
 * family and model numbers are what tell two result folders apart.
 *
 * <pre>{@code
 * CpuId cpu = CpuId.parse(Files.readString(Path.of("/proc/cpuinfo")));
 * System.out.println(cpu.describe());   // "AMD EPYC (AuthenticAMD family 26 model 2 stepping 1: Zen 5)"
 * }</pre>
 *
 * @param vendor    vendor id ("AuthenticAMD", "GenuineIntel"), or "" when unknown
 * @param family    CPU family (decimal, as the kernel prints it), or -1
 * @param model     model number, or -1
 * @param stepping  stepping, or -1
 * @param modelName the marketing name, or ""
 * @param flags     the CPU feature flags (avx2, avx512f, …)
 */
public record CpuId(String vendor, int family, int model, int stepping, String modelName, List<String> flags) {

    /** A CPU about which nothing is known. */
    public static final CpuId UNKNOWN = new CpuId("", -1, -1, -1, "", List.of());

    /**
     * Reads the first processor of {@code /proc/cpuinfo} text ({@code "cpu family\t: 26"}) or
     * {@code lscpu} output ({@code "CPU family:   26"}); missing fields stay unknown.
     *
     * @param text the file's or the command's output (may be null or empty)
     * @return what it says; {@link #UNKNOWN} fields where it says nothing
     */
    public static CpuId parse(String text) {
        if (text == null || text.isBlank()) return UNKNOWN;
        String vendor = null, family = null, model = null, stepping = null, name = null, flags = null;
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                if (line.isBlank() && vendor != null) break;   // end of the first processor's block
                continue;
            }
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT), value = line.substring(colon + 1).trim();
            switch (key) {
                case "vendor_id", "vendor id" -> vendor = first(vendor, value);
                case "cpu family" -> family = first(family, value);
                case "model" -> model = first(model, value);
                case "stepping" -> stepping = first(stepping, value);
                case "model name" -> name = first(name, value);
                case "flags" -> flags = first(flags, value);
                default -> { }
            }
        }
        return new CpuId(vendor == null ? "" : vendor, number(family), number(model), number(stepping), name == null ? "" : name,
                flags == null || flags.isBlank() ? List.of() : List.of(flags.split("\\s+")));
    }

    /** {@return whether the CPU reports feature flag {@code flag} (as /proc/cpuinfo spells it)} */
    public boolean has(String flag) {
        return flags.contains(flag);
    }

    /**
     * The microarchitecture the vendor, family and model imply ("Zen 5", "Zen 4", "Skylake-SP"),
     * or "" when the table does not know them. AMD numbers families per generation; Intel's
     * family 6 is told apart by model (and stepping for the Skylake-SP/Cascade Lake/Cooper Lake
     * server parts that share model 85).
     *
     * @return the microarchitecture's name, or ""
     */
    public String microarchitecture() {
        if (vendor.equals("AuthenticAMD") || vendor.equals("HygonGenuine")) return amd();
        if (vendor.equals("GenuineIntel") && family == 6) return intel6();
        return "";
    }

    /**
     * One line for a report: "AMD EPYC (AuthenticAMD family 26 model 2 stepping 1: Zen 5)".
     *
     * @return the model name and the numbers behind it
     */
    public String describe() {
        StringBuilder sb = new StringBuilder(modelName.isEmpty() ? "unknown CPU" : modelName);
        if (vendor.isEmpty() && family < 0) return sb.toString();
        sb.append(" (").append(vendor.isEmpty() ? "vendor unknown" : vendor);
        if (family >= 0) sb.append(" family ").append(family);
        if (model >= 0) sb.append(" model ").append(model);
        if (stepping >= 0) sb.append(" stepping ").append(stepping);
        String arch = microarchitecture();
        sb.append(arch.isEmpty() ? ", microarchitecture not in jgrad's table" : ": " + arch).append(')');
        return sb.toString();
    }

    private String amd() {
        return switch (family) {
            case 21 -> "Bulldozer family";
            case 22 -> "Jaguar/Puma";
            case 23 -> model < 0x30 ? "Zen / Zen+" : "Zen 2";
            case 24 -> "Zen (Hygon Dhyana)";
            // Family 25 holds two generations: Zen 3 in models 0x00-0x0F and 0x20-0x5F, Zen 4 in 0x10-0x1F, 0x60-0x7F, 0xA0-0xAF.
            case 25 -> model < 0 ? "Zen 3 or Zen 4"
                    : (model <= 0x0F || (model >= 0x20 && model <= 0x5F)) ? "Zen 3"
                    : (model <= 0x1F || (model >= 0x60 && model <= 0x7F) || (model >= 0xA0 && model <= 0xAF)) ? "Zen 4"
                    : "Zen 3 or Zen 4";
            case 26 -> "Zen 5";
            default -> family > 26 ? "newer than Zen 5" : "";
        };
    }

    private String intel6() {
        return switch (model) {
            case 0x2A, 0x2D -> "Sandy Bridge";
            case 0x3A, 0x3E -> "Ivy Bridge";
            case 0x3C, 0x3F, 0x45, 0x46 -> "Haswell";
            case 0x3D, 0x47, 0x4F, 0x56 -> "Broadwell";
            case 0x4E, 0x5E -> "Skylake";
            case 0x55 -> stepping >= 10 ? "Cooper Lake" : stepping >= 5 ? "Cascade Lake" : "Skylake-SP";
            case 0x8E, 0x9E, 0xA5, 0xA6 -> "Kaby/Coffee/Comet Lake (Skylake cores)";
            case 0x66 -> "Cannon Lake";
            case 0x6A, 0x6C -> "Ice Lake-SP";
            case 0x7D, 0x7E -> "Ice Lake";
            case 0x8C, 0x8D -> "Tiger Lake";
            case 0xA7 -> "Rocket Lake";
            case 0x97, 0x9A, 0xBE -> "Alder Lake";
            case 0xB7, 0xBA, 0xBF -> "Raptor Lake";
            case 0xAA, 0xAC -> "Meteor Lake";
            case 0xBD -> "Lunar Lake";
            case 0xC5, 0xC6 -> "Arrow Lake";
            case 0x8F -> "Sapphire Rapids";
            case 0xCF -> "Emerald Rapids";
            case 0xAD, 0xAE -> "Granite Rapids";
            case 0xAF -> "Sierra Forest";
            case 0x57 -> "Knights Landing";
            case 0x85 -> "Knights Mill";
            default -> "";
        };
    }

    private static String first(String old, String value) {
        return old != null ? old : value;
    }

    private static int number(String s) {
        if (s == null) return -1;
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
