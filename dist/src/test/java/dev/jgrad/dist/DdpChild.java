package dev.jgrad.dist;

import dev.jgrad.nn.Activation;
import dev.jgrad.nn.Conv2d;
import dev.jgrad.nn.Flatten;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.MaxPool2d;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.nn.optim.SGD;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * What each rank runs in the DDP test: K steps of the MNIST CNN (without dropout, whose masks
 * differ per rank) on this rank's half of each batch, then checks that every rank holds the same
 * parameter bits and (rank 0) that they equal one process training on the whole batches.
 */
public final class DdpChild {
    private DdpChild() {}

    static final int STEPS = 3, PER_RANK = 8;

    static Sequential cnn() {
        return new Sequential(
                new Conv2d(1, 32, 3, 1, 1), Activation.relu(), new MaxPool2d(2),
                new Conv2d(32, 64, 3, 1, 1), Activation.relu(), new MaxPool2d(2),
                new Flatten(), new Linear(64 * 7 * 7, 128), Activation.relu(), new Linear(128, 10));
    }

    public static void main(String[] args) {
        boolean accumulate = args.length > 0 && args[0].equals("accumulate");
        try (Communicator comm = Communicator.world()) {
            int r = comm.rank(), n = comm.size();
            Tensor.manualSeed(100 + r);   // different weights per rank: DDP must broadcast rank 0's
            DistributedDataParallel ddp = new DistributedDataParallel(cnn(), comm, 200_000);   // several buckets
            Optimizer opt = new SGD(ddp.parameters(), 0.05, 0.9, false, 0);
            Generator data = new Generator(7);
            Tensor x = Tensor.randn(data, STEPS * PER_RANK * n, 1, 28, 28), y = Tensor.randint(data, 0, 10, STEPS * PER_RANK * n);
            for (int s = 0; s < STEPS; s++) {
                int from = (s * n + r) * PER_RANK;
                opt.zeroGrad();
                if (accumulate) {   // two micro-batches of half: the first without reduction
                    int h = PER_RANK / 2;
                    try (var ns = ddp.noSync()) {
                        Losses.crossEntropy(ddp.call(x.narrow(0, from, h)), y.narrow(0, from, h)).mul(0.5).backward();
                    }
                    Losses.crossEntropy(ddp.call(x.narrow(0, from + h, h)), y.narrow(0, from + h, h)).mul(0.5).backward();
                } else {
                    Losses.crossEntropy(ddp.call(x.narrow(0, from, PER_RANK)), y.narrow(0, from, PER_RANK)).backward();
                }
                opt.step();
            }
            Tensor mine = flat(ddp.module());
            Tensor all = comm.allGather(mine.reshape(1, -1));
            float[] a = all.toFloatArray();
            int len = mine.numel();
            for (int k = 1; k < n; k++) {
                for (int i = 0; i < len; i++) {
                    if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(a[k * len + i])) {
                        throw new IllegalStateException("rank " + k + " parameter element " + i + " differs: " + a[k * len + i] + " vs " + a[i]);
                    }
                }
            }
            System.out.println("rank " + r + " identical across ranks, buckets " + ddp.buckets().size());
            if (r == 0) {
                Tensor.manualSeed(100);
                Module single = cnn();
                Optimizer o = new SGD(single.parameters(), 0.05, 0.9, false, 0);
                for (int s = 0; s < STEPS; s++) {
                    int from = s * n * PER_RANK;
                    o.zeroGrad();
                    Losses.crossEntropy(single.call(x.narrow(0, from, n * PER_RANK)), y.narrow(0, from, n * PER_RANK)).backward();
                    o.step();
                }
                float[] want = flat(single).toFloatArray(), got = mine.toFloatArray();
                double maxDiff = 0, maxAbs = 0;
                for (int i = 0; i < len; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
                    maxAbs = Math.max(maxAbs, Math.abs(want[i]));
                }
                System.out.println("rank 0 vs one process on the whole batches: max |diff| / max |param| = " + (maxDiff / maxAbs));
                if (maxDiff / maxAbs > 1e-6) throw new IllegalStateException("DDP differs from one process: " + maxDiff / maxAbs);
            }
            System.out.println("rank " + r + " ok ddp");
        } catch (RuntimeException e) {
            System.out.println("rank failed: " + e);
            e.printStackTrace(System.out);
            System.exit(3);
        }
    }

    private static Tensor flat(Module m) {
        List<Tensor> parts = new ArrayList<>();
        try (var g = GradMode.noGrad()) {
            for (Tensor p : m.parameters()) parts.add(p.reshape(-1));
            return Tensor.cat(parts, 0);
        }
    }
}
