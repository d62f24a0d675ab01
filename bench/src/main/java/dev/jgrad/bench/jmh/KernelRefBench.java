package dev.jgrad.bench.jmh;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.Strided;
import dev.jgrad.kernels.ref.MatMulRef;
import java.util.SplittableRandom;
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

/**
 * The scalar reference matmul kernel called directly on flat arrays, without the Tensor layer:
 * the difference to {@link MatMulBench} is the cost of dispatch, allocation and layout.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Flags.VECTOR, Flags.NATIVE})
public class KernelRefBench {
    @Param({"64", "256", "512"})
    public int n;

    private Strided a, b, c;

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[n * n], y = new float[n * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
            y[i] = (float) r.nextDouble(-1, 1);
        }
        int[] shape = {1, n, n};
        a = Strided.contiguous(new Buf.F32(x), shape);
        b = Strided.contiguous(new Buf.F32(y), shape);
        c = Strided.contiguous(new Buf.F32(new float[n * n]), shape);
    }

    @Benchmark
    public Strided matmulRef() {
        MatMulRef.matmul(1, n, n, n, c, a, b);
        return c;
    }
}
