package dev.jgrad.cuda;

/**
 * What a CUDA device is, as the driver reports it before any context is opened: for diagnostics
 * ({@code dev.jgrad.tensor.Doctor}) and logs.
 *
 * <pre>{@code
 * for (DeviceInfo d : Cuda.devices()) System.out.println(d);   // cuda:0 NVIDIA H100 80GB HBM3, compute capability 9.0, 79.2 GiB
 * }</pre>
 *
 * @param ordinal            the device number, as in {@code cuda:0}
 * @param name               the driver's device name
 * @param major              compute capability, major part
 * @param minor              compute capability, minor part
 * @param totalMemoryBytes   the device's global memory
 */
public record DeviceInfo(int ordinal, String name, int major, int minor, long totalMemoryBytes) {
    /** {@return the compute capability as "major.minor", e.g. "9.0"} */
    public String computeCapability() {
        return major + "." + minor;
    }

    @Override
    public String toString() {
        return "cuda:" + ordinal + " " + name + ", compute capability " + computeCapability() + ", "
                + String.format(java.util.Locale.ROOT, "%.1f GiB", totalMemoryBytes / (double) (1L << 30));
    }
}
