package dev.jgrad.examples;

import dev.jgrad.dist.Communicator;
import dev.jgrad.dist.DistributedDataParallel;
import dev.jgrad.dist.DistributedMetrics;
import dev.jgrad.dist.DistributedSampler;
import dev.jgrad.examples.cli.Args;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.Augment;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.LRScheduler;
import dev.jgrad.nn.train.Checkpoint;
import dev.jgrad.nn.train.CheckpointEveryEpoch;
import dev.jgrad.nn.train.CurvePlot;
import dev.jgrad.nn.train.History;
import dev.jgrad.nn.train.Metric;
import dev.jgrad.nn.train.ProgressBar;
import dev.jgrad.nn.train.Trainer;
import dev.jgrad.nn.train.TrainingListener;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code mpirun -np N ./jgrad train --distributed}: the main job data-parallel. Every rank builds
 * the same model (rank 0's weights are broadcast), trains on its {@link DistributedSampler} share
 * of each epoch with {@code --batch} images per step, and averages the gradients with
 * {@link DistributedDataParallel}; so one step of N ranks is one step on N·batch images. Losses
 * and accuracies are averaged over the ranks ({@link DistributedMetrics}); only rank 0 prints the
 * progress bar and writes the checkpoint, the curves and the weights.
 */
final class MnistCnnDistributed {
    private MnistCnnDistributed() {}

    static void train(Args args) throws Exception {
        Communicator comm = Communicator.world();
        try {
            run(args, comm);
        } finally {
            comm.close();
        }
    }

    private static void run(Args args, Communicator comm) throws Exception {
        int rank = comm.rank(), ranks = comm.size();
        boolean primary = rank == 0;
        MnistData.Split data = MnistData.load(args, false);
        MnistCnn.Settings s = new MnistCnn.Settings(args.getInt("epochs", 15), args.getInt("batch", 64), args.getDouble("lr", 1e-3),
                args.getInt("seed", 0), args.getInt("shift", 1), Device.CPU, Path.of(args.get("out", "out")), null);
        if (primary) {
            System.out.println("Data:   " + data.description());
            System.out.println("Ranks:  " + ranks + " (" + comm.engine() + "), " + s.batch() + " images per rank and step, "
                    + ranks * s.batch() + " per step in all");
            System.out.println(MnistCnn.model().summary(1, 1, 28, 28));
        }
        Tensor.manualSeed(s.seed() + rank);   // dropout masks differ per rank, as one process's would per example
        Sequential model = MnistCnn.model();
        DistributedDataParallel ddp = new DistributedDataParallel(model, comm);   // every rank now holds rank 0's weights
        DistributedSampler trainShard = new DistributedSampler(data.train(), comm, true, s.seed());
        DistributedSampler testShard = new DistributedSampler(data.test(), comm, false, 0);
        DataLoader train = new DataLoader(trainShard, s.batch(), false, s.seed()).map(Augment.randomShift(s.shift(), 1 + rank));
        DataLoader test = new DataLoader(testShard, 500, false, 0);
        Adam optimizer = new Adam(ddp.parameters(), s.lr());
        List<TrainingListener> listeners = new ArrayList<>();
        listeners.add(new TrainingListener() {
            @Override
            public void onEpochBegin(Trainer trainer, int epoch) {
                trainShard.setEpoch(epoch - 1);   // a new order each epoch, the same on every rank
            }
        });
        Path out = s.out();
        if (primary) {
            listeners.add(CheckpointEveryEpoch.lastOnly(out.resolve(MnistCnn.CHECKPOINT), s.asMetadata(data.description())));
            listeners.add(new ProgressBar());
            listeners.add(new CurvePlot(out.resolve("mnist-cnn-curves.svg")));
        }
        Trainer trainer = new Trainer(ddp, optimizer, Losses::crossEntropy)
                .scheduler(LRScheduler.cosine(optimizer, s.epochs(), 0))
                .metrics(Metric.accuracy())
                .reduceLogs(DistributedMetrics.average(comm))
                .listeners(listeners.toArray(TrainingListener[]::new));
        long start = System.nanoTime();
        History h = trainer.fit(train, test, s.epochs());
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Double> result = trainer.evaluate(test);
        if (primary) {
            Path weights = out.resolve("mnist-cnn.safetensors");
            Checkpoint.saveWeights(weights, model, Map.of("epochs", Integer.toString(trainer.epoch()),
                    "test_accuracy", String.format(Locale.ROOT, "%.4f", result.get("accuracy")), "ranks", Integer.toString(ranks)));
            System.out.printf(Locale.ROOT, "test accuracy %.2f%% (%d test digits over %d ranks), %.1f s per epoch, %.1f s in all%n",
                    100 * result.get("accuracy"), data.test().size(), ranks, seconds / h.epochs(), seconds);
            System.out.println("wrote " + weights + ", " + out.resolve(MnistCnn.CHECKPOINT) + " and " + out.resolve("mnist-cnn-curves.svg"));
        }
    }
}
