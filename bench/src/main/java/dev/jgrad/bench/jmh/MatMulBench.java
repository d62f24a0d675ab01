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

/** C = A·B for n×n float32 operands (2n³ FLOPs), through {@code Tensor.matmul}. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Flags.VECTOR, Flags.NATIVE})
public class MatMulBench {
    @Param({"64", "128", "256", "512", "1024", "2048"})
    public int n;

    private Body matmul;

    @Setup
    public void setup() {
        matmul = Workloads.matmul(n).build();
    }

    @Benchmark
    public Object matmul() {
        return matmul.run();
    }
}
