package dev.jgrad.tensor;

/**
 * Where a tensor's elements live: the CPU (Java heap) or a CUDA device.
 *
 * <pre>{@code
 * Device d = Device.best();        // cuda:0 when a GPU is usable, else cpu
 * Tensor x = Tensor.randn(3, 3).to(d);
 * }</pre>
 *
 * @param type  CPU or CUDA
 * @param index the CUDA device ordinal (0 for the CPU)
 */
public record Device(Type type, int index) {

    /** The kind of device. */
    public enum Type {
        /** The host's processors. */
        CPU,
        /** An NVIDIA GPU, through the CUDA driver. */
        CUDA
    }

    /** The CPU. */
    public static final Device CPU = new Device(Type.CPU, 0);

    /** Checks that the index is not negative, and 0 for the CPU. */
    public Device {
        if (index < 0 || (type == Type.CPU && index != 0)) {
            throw new IllegalArgumentException("device index must be >= 0 (and 0 for the CPU), got " + type + ":" + index);
        }
    }

    /** {@return the first CUDA device} */
    public static Device cuda() {
        return cuda(0);
    }

    /**
     * CUDA device {@code index}.
     *
     * @param index the device ordinal, from 0
     * @return the device
     * @throws IllegalStateException when jgrad's CUDA module (artifact {@code dev.jgrad:jgrad-cuda})
     *     is not on the class or module path; the message says what to add
     */
    public static Device cuda(int index) {
        CudaSupport.require("Device.cuda(" + index + ")");
        return new Device(Type.CUDA, index);
    }

    /**
     * {@return the first CUDA device when one is usable, otherwise the CPU} Without jgrad's CUDA
     * module on the path this is the CPU, and nothing native is looked up.
     */
    public static Device best() {
        return CudaSupport.gpuAvailable() ? cuda() : CPU;
    }

    /**
     * Parses {@code "cpu"}, {@code "cuda"} or {@code "cuda:N"}.
     *
     * @param s the text
     * @return the device it names
     */
    public static Device parse(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("cpu")) return CPU;
        if (t.equals("cuda")) return cuda();
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(5)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("unknown device '" + s + "': expected cpu, cuda or cuda:N");
    }

    @Override
    public String toString() {
        return type == Type.CPU ? "cpu" : "cuda:" + index;
    }
}
