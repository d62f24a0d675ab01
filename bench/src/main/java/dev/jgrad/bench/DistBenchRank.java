package dev.jgrad.bench;

import dev.jgrad.dist.Communicator;
import dev.jgrad.dist.DistributedDataParallel;
import dev.jgrad.examples.MnistCnn;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * What each rank runs for {@code ./jgrad bench dist} (started by {@link DistBench} through
 * mpirun); rank 0 prints one result line per measurement, which {@link DistBench} reads.
 * <ul>
 *   <li>{@code allreduce ITERATIONS FLOATS...}: {@code Communicator.allReduce} of a float32
 *       tensor, barrier before each timed call (as the C peer), median per call:
 *       "allreduce FLOATS SECONDS", after {@value #WARM_UP_CALLS} warm-up calls of each path (the
 *       first hundreds of calls run before the JIT has compiled a path, at tens to hundreds of µs);</li>
 *   <li>{@code ddp STEPS BATCH BUCKET_BYTES}: training steps of the MNIST CNN (Adam, random
 *       images) with {@link DistributedDataParallel} (BUCKET_BYTES 0: without it), after
 *       {@value #WARM_UP_STEPS} untimed steps, median per step: "ddp BUCKET_BYTES SECONDS".</li>
 * </ul>
 */
public final class DistBenchRank {
    private DistBenchRank() {}

    /**
     * Runs one measurement on this rank.
     *
     * @param args the measurement and its parameters, as above
     */
    public static void main(String[] args) {
        try (Communicator comm = Communicator.world()) {
            switch (args[0]) {
                case "allreduce" -> allReduce(comm, Integer.parseInt(args[1]), Arrays.copyOfRange(args, 2, args.length));
                case "ddp" -> ddp(comm, Integer.parseInt(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]));
                default -> throw new IllegalArgumentException("DistBenchRank: unknown measurement " + args[0]);
            }
        }
    }

    /**
     * Calls of a small and a medium all-reduce and a barrier before any timing: the collective
     * path reaches steady JIT code only after thousands of calls, and the small all-reduce (its
     * data inline with the call header) and the medium one (through MPI_Allreduce) are two paths.
     */
    static final int WARM_UP_CALLS = 5000;

    private static void allReduce(Communicator comm, int iterations, String[] sizes) {
        Tensor small = Tensor.ones(256), medium = Tensor.ones(16_384);
        for (int w = 0; w < WARM_UP_CALLS; w++) {
            comm.allReduce(small);
            comm.allReduce(medium);
            comm.barrier();
        }
        for (String s : sizes) {
            int n = Integer.parseInt(s);
            Tensor t = Tensor.ones(n);
            for (int w = 0; w < 10; w++) comm.allReduce(t);
            double[] times = new double[iterations];
            for (int i = 0; i < iterations; i++) {
                comm.barrier();
                long t0 = System.nanoTime();
                comm.allReduce(t);
                times[i] = (System.nanoTime() - t0) / 1e9;
            }
            Arrays.sort(times);
            if (comm.rank() == 0) System.out.printf(Locale.ROOT, "allreduce %d %.9f%n", n, times[iterations / 2]);
        }
    }

    /**
     * Untimed steps first: the step reaches steady JIT code only after a few dozen steps, and
     * while the compiler threads still work, two ranks on two cores slow each other down.
     */
    static final int WARM_UP_STEPS = 60;

    private static void ddp(Communicator comm, int steps, int batch, long bucketBytes) {
        Tensor.manualSeed(1);
        Module model = MnistCnn.model();
        Module trained = bucketBytes > 0 ? new DistributedDataParallel(model, comm, bucketBytes) : model;
        Optimizer opt = new Adam(trained.parameters(), 1e-3);
        Generator g = new Generator(2 + comm.rank());
        Tensor x = Tensor.randn(g, batch, 1, 28, 28), y = Tensor.randint(g, 0, 10, batch);
        double[] times = new double[steps];
        for (int s = -WARM_UP_STEPS; s < steps; s++) {
            if (comm.size() > 1) comm.barrier();
            long t0 = System.nanoTime();
            try (var scope = Tensor.scope()) {
                opt.zeroGrad();
                Losses.crossEntropy(trained.call(x), y).backward();
                opt.step();
            }
            if (s >= 0) times[s] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(times);
        if (comm.rank() == 0) System.out.printf(Locale.ROOT, "ddp %d %.9f%n", bucketBytes, times[steps / 2]);
    }
}
