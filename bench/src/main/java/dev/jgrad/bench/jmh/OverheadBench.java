package dev.jgrad.bench.jmh;

import dev.jgrad.bench.Workload.Body;
import dev.jgrad.bench.Workloads;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-op overhead: add of two 4-element tensors, with autograd recording the op (the target is
 * ≤ 2 µs) and without (neither operand requires grad).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Flags.VECTOR, Flags.NATIVE})
public class OverheadBench {
    private Body addWithGrad;
    private Tensor a, b;

    @Setup
    public void setup() {
        addWithGrad = Workloads.overhead().build();
        Generator g = new Generator(12);
        a = Tensor.randn(g, 4);
        b = Tensor.randn(g, 4);
    }

    @Benchmark
    public Object addWithGrad() {
        return addWithGrad.run();
    }

    @Benchmark
    public Tensor addNoGrad() {
        return a.add(b);
    }
}
