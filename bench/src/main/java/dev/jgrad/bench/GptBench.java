package dev.jgrad.bench;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.cuda.MemoryStats;
import dev.jgrad.cuda.runtime.CudaDevice;
import dev.jgrad.cuda.runtime.Devices;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Profiler;
import dev.jgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * GPT-2-small training steps in jgrad ({@link Gpt}: 12 layers, 768 wide, 12 heads, sequence 1024,
 * vocabulary 50257, tied embeddings unless {@code --untied}): warm-up steps, then the median step
 * time of {@code --steps} timed steps (each ends with {@code loss.item()}, a device sync), reported
 * as tokens/s, with the allocator's peak allocated and reserved device memory, and — with
 * {@code --profile} — a per-op profile of one more step ({@link Profiler}). bench/python/gpt_step.py
 * runs the same model in PyTorch eager mode.
 *
 * <pre>
 * bash .gpu/run.sh java -cp ".gpu/lib/*" dev.jgrad.bench.GptBench --batch 8 --steps 10 --profile [--tf32] [--bf16-attention]
 * java ... dev.jgrad.bench.GptBench --device cpu --layers 2 --width 64 --heads 4 --seq 32 --vocab 97 --batch 4
 * </pre>
 */
public final class GptBench {
    private GptBench() {}

    /** Parsed command line. */
    record Options(Device device, Gpt.Config config, int batch, int steps, int warmup, boolean tf32, boolean bf16Attention, boolean profile,
                   double lr) {
        static Options parse(String... args) {
            String dev = null;
            int layers = 12, width = 768, heads = 12, seq = 1024, vocab = 50257, batch = 8, steps = 10, warmup = 3;
            boolean tied = true, tf32 = false, bf16 = false, profile = false;
            double lr = 6e-4;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--device" -> dev = args[++i];
                    case "--layers" -> layers = Integer.parseInt(args[++i]);
                    case "--width" -> width = Integer.parseInt(args[++i]);
                    case "--heads" -> heads = Integer.parseInt(args[++i]);
                    case "--seq" -> seq = Integer.parseInt(args[++i]);
                    case "--vocab" -> vocab = Integer.parseInt(args[++i]);
                    case "--batch" -> batch = Integer.parseInt(args[++i]);
                    case "--steps" -> steps = Integer.parseInt(args[++i]);
                    case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                    case "--lr" -> lr = Double.parseDouble(args[++i]);
                    case "--untied" -> tied = false;
                    case "--tf32" -> tf32 = true;
                    case "--bf16-attention" -> bf16 = true;
                    case "--profile" -> profile = true;
                    default -> throw new IllegalArgumentException("GptBench: unknown argument " + a + "; see the class comment");
                }
            }
            Device d = dev == null ? Device.best() : dev.equals("cpu") ? Device.CPU : Device.cuda();
            return new Options(d, new Gpt.Config(vocab, seq, layers, width, heads, tied), batch, steps, warmup, tf32, bf16, profile, lr);
        }
    }

    /** What a run measured. */
    record Result(double[] losses, double medianStepMs, double tokensPerSecond, long peakAllocated, long peakReserved, String profile,
                  long parameters) {}

    public static void main(String[] args) {
        Options o = Options.parse(args);
        Result r = run(o);
        Gpt.Config c = o.config();
        String mode = (o.tf32() ? "tf32" : "fp32") + (o.bf16Attention() ? "+bf16-attention" : "");
        System.out.printf(Locale.ROOT, "# jgrad GPT step on %s: %d layers, width %d, %d heads, seq %d, vocab %d, %s embeddings, batch %d, %s, parameters %d%n",
                o.device(), c.layers(), c.width(), c.heads(), c.context(), c.vocab(), c.tied() ? "tied" : "untied", o.batch(), mode, r.parameters());
        System.out.printf(Locale.ROOT, "jgrad %-24s step %9.2f ms  %10.0f tokens/s  peak allocated %7.2f GiB  peak reserved %7.2f GiB  loss %.4f -> %.4f%n",
                mode, r.medianStepMs(), r.tokensPerSecond(), r.peakAllocated() / 1073741824.0, r.peakReserved() / 1073741824.0, r.losses()[0],
                r.losses()[r.losses().length - 1]);
        if (r.profile() != null) System.out.print(r.profile());
    }

    /** Builds the model on the device, trains warm-up + timed steps on one fixed random batch, optionally profiles one more. */
    static Result run(Options o) {
        Gpt.Config c = o.config();
        boolean cuda = o.device().type() == Device.Type.CUDA;
        boolean oldTf32 = cuda && Cuda.allowTf32(), oldBf16 = cuda && Cuda.allowBf16Attention();
        if (cuda) {
            Cuda.setAllowTf32(o.tf32());
            Cuda.setAllowBf16Attention(o.bf16Attention());
        }
        try {
            Gpt model = new Gpt(c);
            model.to(o.device());
            Optimizer opt = model.adamW(o.lr());
            Tensor all = Tensor.randint(new Generator(1234), 0, c.vocab(), o.batch(), c.context() + 1);
            Tensor tokens = all.narrow(1, 0, c.context()).contiguous().to(o.device());
            Tensor targets = all.narrow(1, 1, c.context()).contiguous().to(o.device());
            CudaDevice gpu = cuda ? Devices.get(o.device().index()) : null;
            if (gpu != null) gpu.resetPeakMemoryStats();
            double[] losses = new double[o.warmup() + o.steps()];
            double[] ms = new double[o.steps()];
            for (int i = 0; i < losses.length; i++) {
                long t0 = System.nanoTime();
                losses[i] = model.trainStep(tokens, targets, opt);
                if (i >= o.warmup()) ms[i - o.warmup()] = (System.nanoTime() - t0) / 1e6;
            }
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            double median = sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2];
            long peakA = 0, peakR = 0;
            if (gpu != null) {
                MemoryStats s = gpu.memoryStats();
                peakA = s.peakAllocatedBytes();
                peakR = s.peakReservedBytes();
            }
            String profile = null;
            if (o.profile()) {
                try (Profiler p = Profiler.start()) {
                    model.trainStep(tokens, targets, opt);
                    profile = p.report();
                }
            }
            return new Result(losses, median, (double) o.batch() * c.context() / (median / 1e3), peakA, peakR, profile, model.parameterCount());
        } finally {
            if (cuda) {
                Cuda.setAllowTf32(oldTf32);
                Cuda.setAllowBf16Attention(oldBf16);
            }
        }
    }
}
