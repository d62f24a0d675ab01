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

/** 2×2 max and average pooling of 64×32×28×28: forward, and forward + backward. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Flags.VECTOR, Flags.NATIVE})
public class PoolBench {
    private Body maxFwd, maxFwdBwd, avgFwd, avgFwdBwd;

    @Setup
    public void setup() {
        maxFwd = Workloads.maxPool(false).build();
        maxFwdBwd = Workloads.maxPool(true).build();
        avgFwd = Workloads.avgPool(false).build();
        avgFwdBwd = Workloads.avgPool(true).build();
    }

    @Benchmark
    public Object maxPool() {
        return maxFwd.run();
    }

    @Benchmark
    public Object maxPoolForwardBackward() {
        return maxFwdBwd.run();
    }

    @Benchmark
    public Object avgPool() {
        return avgFwd.run();
    }

    @Benchmark
    public Object avgPoolForwardBackward() {
        return avgFwdBwd.run();
    }
}
