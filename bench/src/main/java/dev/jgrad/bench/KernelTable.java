package dev.jgrad.bench;

import dev.jgrad.cuda.launch.GemmKernels;
import dev.jgrad.cuda.launch.GemmKernels.Precision;
import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.DeviceBuffer;
import dev.jgrad.cuda.runtime.Event;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The llm.c dev/cuda-style kernel table that {@link GpuKernelBench} and {@link AttentionBench}
 * share: CUDA-event timing (warm-up, then the median of {@code reps} repeats), rows of
 * {@code version | shape | ms | TFLOP/s | % of peak | vs ref | error}, the peer times a PyTorch
 * script wrote as {@code PEER<TAB>key<TAB>ms} lines, and the small device-buffer helpers both
 * benchmarks need (random inputs, poisoned outputs, downloads, error norms).
 *
 * <pre>{@code
 * KernelTable t = new KernelTable(Devices.get(0), 30);
 * t.readPeers(Path.of("kernel-peers.txt"));
 * t.header("vs cuBLAS", "rel.err");
 * t.row("v5 BF16", "4096^3", t.time(run), 2.0 * n * n * n, 989.4, t.peer("gemm bf16 4096"), err);
 * t.rows().forEach(System.out::println);
 * }</pre>
 */
final class KernelTable {
    /** Host chunk for {@link #uploadRandom}: 16 Mi floats (64 MiB), so a 512 MiB input never sits whole on the heap. */
    private static final int CHUNK = 16 << 20;

    private final CudaDevice gpu;
    private final int reps;
    private final Map<String, Double> peers = new HashMap<>();
    private final List<String> rows = new ArrayList<>();

    KernelTable(CudaDevice gpu, int reps) {
        if (reps < 1) throw new IllegalArgumentException("KernelTable: reps must be >= 1, got " + reps);
        this.gpu = gpu;
        this.reps = reps;
    }

    CudaDevice gpu() {
        return gpu;
    }

    int reps() {
        return reps;
    }

    /** The device's dense peak for {@code p} (GemmKernels' datasheet table): the "% of peak" column's denominator. */
    double peakTflops(Precision p) {
        return GemmKernels.of(gpu).peakTflops(p);
    }

    /** The table so far: header, rows and notes, in order. */
    List<String> rows() {
        return rows;
    }

    /** A line of its own in the table (a skipped case, a remark). */
    void note(String line) {
        rows.add(line);
    }

    // ---- peers ----------------------------------------------------------------------------------------------

    /** Reads the {@code PEER<TAB>key<TAB>ms} lines of a peers file; a missing file is a note, not an error. */
    void readPeers(Path file) throws IOException {
        if (!Files.exists(file)) {
            System.out.println("# no peers file " + file);
            return;
        }
        peers.putAll(parsePeers(Files.readAllLines(file)));
    }

    static Map<String, Double> parsePeers(List<String> lines) {
        Map<String, Double> m = new HashMap<>();
        for (String line : lines) {
            String[] f = line.split("\t");
            if (f.length == 3 && f[0].equals("PEER")) m.put(f[1], Double.parseDouble(f[2]));
        }
        return m;
    }

    /** The peer's milliseconds for {@code key}, NaN when the peers file has none. */
    double peer(String key) {
        return peers.getOrDefault(key, Double.NaN);
    }

    // ---- timing and rows ------------------------------------------------------------------------------------

    /**
     * Median milliseconds of {@code body} between two CUDA events on the device's stream, after
     * max(3, reps/5) warm-up calls (bench/python/cuda_timing.py times the PyTorch peers the same way).
     */
    double time(Runnable body) {
        return eventMedianMs(gpu, reps, body);
    }

    /** {@link #time} for callers without a table (GpuBench): the median of {@code reps} event-timed calls after warm-up. */
    static double eventMedianMs(CudaDevice gpu, int reps, Runnable body) {
        for (int i = 0; i < Math.max(3, reps / 5); i++) body.run();
        gpu.synchronize();
        double[] ms = new double[reps];
        try (Event a = gpu.newEvent(true); Event b = gpu.newEvent(true)) {
            for (int i = 0; i < reps; i++) {
                a.record(gpu.stream());
                body.run();
                b.record(gpu.stream());
                ms[i] = a.elapsedMillis(b);
            }
        }
        Arrays.sort(ms);
        return ms[reps / 2];
    }

    void header(String refLabel, String errLabel) {
        rows.add(String.format(Locale.ROOT, "%-44s %-30s %9s %8s %7s %8s %10s", "version", "shape", "ms", "TFLOP/s", "%peak", refLabel, errLabel));
    }

    /** One row; {@code refMs} the reference library's time (cuBLAS, cuDNN, PyTorch SDPA), NaN when unknown; speed = refMs / ms. */
    void row(String name, String shape, double ms, double flops, double peak, double refMs, double err) {
        double tf = tflops(flops, ms);
        rows.add(String.format(Locale.ROOT, "%-44s %-30s %9.4f %8.2f %6.1f%% %7.2fx %10.2e", name, shape, ms, tf, 100 * tf / peak, refMs / ms, err));
    }

    static double tflops(double flops, double ms) {
        return flops / (ms * 1e-3) / 1e12;
    }

    // ---- buffers --------------------------------------------------------------------------------------------

    /**
     * n uniform values in [-1, 1) from seed; with {@code bf16Exact} the low 16 bits are cleared, so
     * the values are exact bfloat16 numbers and a BF16 kernel's input rounding loses nothing.
     */
    static float[] randomFloats(long n, long seed, boolean bf16Exact) {
        float[] h = new float[Math.toIntExact(n)];
        fillRandom(h, new SplittableRandom(seed), bf16Exact);
        return h;
    }

    private static void fillRandom(float[] h, SplittableRandom r, boolean bf16Exact) {
        for (int i = 0; i < h.length; i++) {
            float v = (float) (r.nextDouble() * 2 - 1);
            h[i] = bf16Exact ? Float.intBitsToFloat(Float.floatToRawIntBits(v) & 0xFFFF0000) : v;
        }
    }

    DeviceBuffer upload(float[] h) {
        DeviceBuffer b = gpu.allocate(4L * h.length);
        b.copyFromHost(MemorySegment.ofArray(h), 0, 0, 4L * h.length);
        return b;
    }

    /** The values {@link #randomFloats}{@code (n, seed, bf16Exact)} would give, uploaded in chunks (any n, however large). */
    DeviceBuffer uploadRandom(long n, long seed, boolean bf16Exact) {
        DeviceBuffer b = gpu.allocate(4 * n);
        SplittableRandom r = new SplittableRandom(seed);
        float[] h = new float[(int) Math.min(n, CHUNK)];
        for (long at = 0; at < n; at += h.length) {
            int len = (int) Math.min(h.length, n - at);
            if (len < h.length) h = new float[len];
            fillRandom(h, r, bf16Exact);
            b.copyFromHost(MemorySegment.ofArray(h), 0, 4 * at, 4L * len);
        }
        return b;
    }

    /** A buffer of all-ones bytes (NaN as float32), so that an element a kernel fails to write shows up in the error. */
    DeviceBuffer poisoned(long bytes) {
        DeviceBuffer b = gpu.allocate(bytes);
        b.fillBytes(0xFF);
        return b;
    }

    static float[] download(DeviceBuffer b, long n) {
        return download(b, 0, n);
    }

    /** n float32 elements starting at element {@code from}. */
    static float[] download(DeviceBuffer b, long from, long n) {
        float[] out = new float[Math.toIntExact(n)];
        b.copyToHost(4 * from, MemorySegment.ofArray(out), 0, 4L * n);
        return out;
    }

    // ---- errors ---------------------------------------------------------------------------------------------

    /** ‖got − ref‖₂ / ‖ref‖₂; NaN when any element is NaN. */
    static double relErr(float[] got, double[] ref) {
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            double e = got[i] - ref[i];
            if (Double.isNaN(e)) return Double.NaN;
            num += e * e;
            den += ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    static double relErr(float[] got, float[] ref) {
        double[] r = new double[ref.length];
        for (int i = 0; i < r.length; i++) r[i] = ref[i];
        return relErr(got, r);
    }

    /**
     * max |got − ref| / max |ref|: the worst element measured against the output's scale (an
     * element-wise relative error would divide by values near zero); NaN when any element is NaN.
     */
    static double maxRelErr(float[] got, double[] ref) {
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            double e = Math.abs(got[i] - ref[i]);
            if (Double.isNaN(e)) return Double.NaN;
            num = Math.max(num, e);
            den = Math.max(den, Math.abs(ref[i]));
        }
        return den == 0 ? num : num / den;
    }
}
