package dev.jgrad.bench.jmh;

import dev.jgrad.bench.Workload.Body;
import dev.jgrad.bench.Workloads;
import dev.jgrad.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** One training step of the MNIST CNN at batch 64: zero grads, forward, cross-entropy, backward, Adam step; plain and in a scope. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Flags.VECTOR, Flags.NATIVE})
public class MnistTrainStepBench {
    private Body step;

    @Setup
    public void setup() {
        step = Workloads.mnistTrainStep().build();
    }

    @Benchmark
    public Object trainStep() {
        return step.run();
    }

    /** The same step in a {@code Tensor.scope()}, as the trainer runs it: every tensor it makes is closed at its end. */
    @Benchmark
    public double trainStepScoped() {
        try (var _ = Tensor.scope()) {
            return ((Tensor) step.run()).item();
        }
    }
}
