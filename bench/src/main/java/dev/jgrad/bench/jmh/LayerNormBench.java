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

/** {@code nn.LayerNorm(768)} on 2048×768: forward (no grad), and forward + backward. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Flags.VECTOR, Flags.NATIVE})
public class LayerNormBench {
    private Body forward, forwardBackward;

    @Setup
    public void setup() {
        forward = Workloads.layerNorm(false).build();
        forwardBackward = Workloads.layerNorm(true).build();
    }

    @Benchmark
    public Object forward() {
        return forward.run();
    }

    @Benchmark
    public Object forwardBackward() {
        return forwardBackward.run();
    }
}
