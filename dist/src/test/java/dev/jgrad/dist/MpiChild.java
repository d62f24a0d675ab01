package dev.jgrad.dist;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * What each rank runs in the MPI tests ({@code mpirun -np N java ... MpiChild CASE}): it prints
 * "rank R ok ..." lines the test reads, or fails with the exception's message.
 */
public final class MpiChild {
    private MpiChild() {}

    public static void main(String[] args) {
        String c = args[0];
        try (Communicator comm = Communicator.world()) {
            int r = comm.rank(), n = comm.size();
            switch (c) {
                case "collectives" -> collectives(comm, r, n);
                case "mismatch" -> {
                    if (r == 0) comm.allReduce(Tensor.zeros(4));
                    else comm.broadcast(Tensor.zeros(4), 0);
                }
                case "shape-mismatch" -> comm.allReduce(Tensor.zeros(r == 0 ? 4 : 5));
                case "large-shape-mismatch" -> comm.allReduce(Tensor.zeros(r == 0 ? LARGE : LARGE + 1));
                case "small-large-mismatch" -> comm.allReduce(Tensor.zeros(r == 0 ? 4 : LARGE));
                case "small-path" -> smallPath((MpiCommunicator) comm, r, n);
                case "skip" -> {   // rank 1 never calls: the others time out
                    if (r == 0) comm.allReduce(Tensor.zeros(4));
                    else sleepSeconds(30);
                }
                case "die" -> {
                    if (r == 1) Runtime.getRuntime().halt(7);
                    comm.allReduce(Tensor.zeros(4));
                }
                default -> throw new IllegalArgumentException("unknown case " + c);
            }
            System.out.println("rank " + r + " ok " + c);
        } catch (RuntimeException e) {
            System.out.println("rank failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            System.exit(3);
        }
    }

    /** Floats past what any world of 2 or more ranks carries inline: the all-reduce goes through MPI_Allreduce. */
    static final int LARGE = (int) (CallExchange.inlineCapacity(2) / 4) + 1000;

    /**
     * The all-reduce whose data travels with the call header against MPI_Allreduce on the same
     * data: every dtype and op, sizes around the inline capacity; with two ranks bit for bit,
     * with more within rounding; and the same bits on every rank. Broadcast and all-gather
     * around the capacity too.
     */
    private static void smallPath(MpiCommunicator comm, int r, int n) {
        long capacity = CallExchange.inlineCapacity(n);
        Generator g = new Generator(100 + r);
        for (DType d : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64}) {
            int fit = (int) (capacity / d.byteSize());
            for (int size : new int[] {0, 1, 7, fit - 1, fit, fit + 1}) {
                for (ReduceOp op : ReduceOp.values()) {
                    boolean floating = d == DType.FLOAT32 || d == DType.FLOAT64;
                    if (op == ReduceOp.AVG && !floating) continue;
                    Tensor x = floating ? Tensor.randn(g, size).to(d) : Tensor.randint(g, -1000, 1000, size).to(d);
                    Tensor viaMpi = x.clone();
                    String what = "allReduce " + op + " " + d + " [" + size + "] (inline capacity " + fit + ")";
                    comm.allReduce(x, op);
                    comm.allReduceThroughMpi(viaMpi, op);
                    double[] a = x.toDoubleArray(), b = viaMpi.toDoubleArray();
                    for (int i = 0; i < size; i++) {
                        boolean same = n == 2 || op == ReduceOp.MAX || op == ReduceOp.MIN ? a[i] == b[i]
                                : Math.abs(a[i] - b[i]) <= 1e-5 * Math.max(1, Math.abs(b[i]));
                        if (!same) throw new IllegalStateException(what + ": element " + i + " is " + a[i] + ", MPI_Allreduce gives " + b[i]);
                    }
                    Tensor all = comm.allGather(x.reshape(1, size));
                    for (int k = 0; k < n; k++) {
                        double[] other = all.select(0, k).toDoubleArray();
                        if (!Arrays.equals(other, a)) throw new IllegalStateException(what + ": rank " + k + "'s result differs from rank " + r + "'s");
                    }
                }
            }
            for (int size : new int[] {fit - 1, fit, fit + 1}) {
                Tensor b = Tensor.arange(size).to(d).add(r * 10);
                comm.broadcast(b, n - 1);
                check(b, size, i -> i + (n - 1) * 10.0, "broadcast " + d + " [" + size + "]");
                Tensor gathered = comm.allGather(Tensor.arange(size).to(d).add(r * 10));
                check(gathered, size * n, i -> i % size + (i / size) * 10.0, "allGather " + d + " [" + size + "]");
            }
        }
    }

    private static void collectives(Communicator comm, int r, int n) {
        // sizes 0, 1, odd and 10 M elements (several in-place chunks), float32 and float64
        for (int size : new int[] {0, 1, 7, 1001, 10_000_000}) {
            for (DType d : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                Tensor t = Tensor.arange(size).to(d).add(r);               // element i on rank r: i + r
                comm.allReduce(t, ReduceOp.SUM);                            // n·i + n(n−1)/2
                double base = n * (n - 1) / 2.0;
                check(t, size, i -> n * (double) i + base, "allReduce SUM " + d + " [" + size + "]");
                Tensor b = Tensor.arange(size).to(d).add(r * 10);
                comm.broadcast(b, n - 1);
                check(b, size, i -> i + (n - 1) * 10.0, "broadcast " + d + " [" + size + "]");
            }
        }
        Tensor avg = Tensor.full(r + 1.0, 5);
        comm.allReduce(avg, ReduceOp.AVG);
        check(avg, 5, i -> (n + 1) / 2.0, "allReduce AVG");
        Tensor mx = Tensor.full(r, DType.INT64, 3);
        comm.allReduce(mx, ReduceOp.MAX);
        check(mx, 3, i -> n - 1.0, "allReduce MAX int64");
        Tensor mn = Tensor.full(r + 5, DType.INT32, 3);
        comm.allReduce(mn, ReduceOp.MIN);
        check(mn, 3, i -> 5.0, "allReduce MIN int32");
        Tensor h = Tensor.full(r + 0.5, DType.BFLOAT16, 4);
        comm.allReduce(h, ReduceOp.SUM);
        check(h, 4, i -> n * (n - 1) / 2.0 + 0.5 * n, "allReduce SUM bfloat16");
        Tensor g = comm.allGather(Tensor.full(r, 2, 3));
        if (!Arrays.equals(g.shape(), new int[] {2 * n, 3})) throw new IllegalStateException("allGather shape " + Arrays.toString(g.shape()));
        check(g.reshape(-1), 6 * n, i -> i / 6, "allGather");
        Tensor s = comm.allGather(Tensor.scalar(r * 2.0));
        check(s, n, i -> 2.0 * i, "allGather 0-d");
        Tensor flags = Tensor.of(new boolean[] {r == 0, true, false}, 3);
        comm.broadcast(flags, 0);
        if (!Arrays.toString(flags.toBooleanArray()).equals("[true, true, false]")) throw new IllegalStateException("broadcast bool");
        comm.barrier();
    }

    private interface Expect {
        double at(int i);
    }

    private static void check(Tensor t, int size, Expect want, String what) {
        double[] v = t.toDoubleArray();
        if (v.length != size) throw new IllegalStateException(what + ": " + v.length + " elements, expected " + size);
        boolean f32 = t.dtype() == DType.FLOAT32;   // one rounding of the exact sum
        for (int i = 0; i < size; i++) {
            double w = f32 ? (float) want.at(i) : want.at(i);
            if (v[i] != w) throw new IllegalStateException(what + ": element " + i + " is " + v[i] + ", expected " + w);
        }
    }

    private static void sleepSeconds(int s) {
        try {
            Thread.sleep(s * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
