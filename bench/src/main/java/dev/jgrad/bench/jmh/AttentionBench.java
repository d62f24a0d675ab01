package dev.jgrad.bench.jmh;

import dev.jgrad.bench.Workload.Body;
import dev.jgrad.bench.Workloads;
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

/** Attention forward, softmax(Q·Kᵀ/√d)·V from matmul + softmax, 2 batches × 8 heads × t tokens × head size 64. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Flags.VECTOR, Flags.NATIVE})
public class AttentionBench {
    @Param({"128", "512"})
    public int t;

    private Body attention;

    @Setup
    public void setup() {
        attention = Workloads.attention(t).build();
    }

    @Benchmark
    public Object attention() {
        return attention.run();
    }
}
