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

/** Elementwise ops on 2048×2048 float32: add and mul of full operands, add of a broadcast row, mul by a broadcast column, relu, exp. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Flags.VECTOR, Flags.NATIVE})
public class ElementwiseBench {
    private Body add, mul, addRow, mulCol, relu, exp;

    @Setup
    public void setup() {
        add = Workloads.binary("add").build();
        mul = Workloads.binary("mul").build();
        addRow = Workloads.binary("add_row").build();
        mulCol = Workloads.binary("mul_col").build();
        relu = Workloads.unary("relu").build();
        exp = Workloads.unary("exp").build();
    }

    @Benchmark
    public Object add() {
        return add.run();
    }

    @Benchmark
    public Object mul() {
        return mul.run();
    }

    @Benchmark
    public Object addBroadcastRow() {
        return addRow.run();
    }

    @Benchmark
    public Object mulBroadcastColumn() {
        return mulCol.run();
    }

    @Benchmark
    public Object relu() {
        return relu.run();
    }

    @Benchmark
    public Object exp() {
        return exp.run();
    }
}
