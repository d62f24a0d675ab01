package dev.jgrad.nn.train;

import dev.jgrad.nn.Loss;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.optim.Clip;
import dev.jgrad.nn.optim.LRScheduler;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop: for each epoch, each batch is moved to the device, run forward, its loss
 * differentiated, gradients optionally clipped, and the optimizer stepped; metrics accumulate;
 * then the validation data is evaluated and listeners see the epoch's logs.
 *
 * <pre>{@code
 * Trainer t = new Trainer(model, new Adam(model.parameters(), 1e-3), Losses::crossEntropy)
 *         .metrics(Metric.accuracy()).listeners(new ProgressBar());
 * t.fit(trainLoader, testLoader, 5);
 * Map<String, Double> test = t.evaluate(testLoader);
 * }</pre>
 */
public final class Trainer {
    private final Module model;
    private final Optimizer optimizer;
    private final Loss loss;
    private final List<Metric> metrics = new ArrayList<>();
    private final List<TrainingListener> listeners = new ArrayList<>();
    private Device device = Device.CPU;
    private LRScheduler scheduler;
    private double clipNorm = Double.NaN;
    private volatile boolean stopRequested;

    public Trainer(Module model, Optimizer optimizer, Loss loss) {
        this.model = model;
        this.optimizer = optimizer;
        this.loss = loss;
    }

    /** Adds metrics computed on training and validation data; returns this. */
    public Trainer metrics(Metric... ms) {
        metrics.addAll(List.of(ms));
        return this;
    }

    /** Adds listeners; returns this. */
    public Trainer listeners(TrainingListener... ls) {
        listeners.addAll(List.of(ls));
        return this;
    }

    /** Moves the model there now and every batch there during training; returns this. */
    public Trainer device(Device d) {
        device = d;
        model.to(d);
        return this;
    }

    /** A scheduler stepped after every epoch; returns this. */
    public Trainer scheduler(LRScheduler s) {
        scheduler = s;
        return this;
    }

    /** Clips the gradients' joint L2 norm to {@code maxNorm} before each step; returns this. */
    public Trainer clipGradNorm(double maxNorm) {
        clipNorm = maxNorm;
        return this;
    }

    public Module model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** Asks {@link #fit} to stop after the current epoch (listeners such as early stopping call it). */
    public void requestStop() {
        stopRequested = true;
    }

    /** Trains for up to {@code epochs} epochs; {@code validation} may be null. */
    public History fit(DataLoader train, DataLoader validation, int epochs) {
        if (epochs < 1) throw new IllegalArgumentException("fit: epochs must be >= 1, got " + epochs);
        History history = new History();
        stopRequested = false;
        for (TrainingListener l : listeners) l.onTrainBegin(this, epochs, train.batchesPerEpoch(), train.datasetSize());
        for (int epoch = 1; epoch <= epochs && !stopRequested; epoch++) {
            long start = System.nanoTime();
            for (TrainingListener l : listeners) l.onEpochBegin(this, epoch);
            Map<String, Double> logs = trainEpoch(train, epoch);
            logs.put("lr", optimizer.learningRate());
            if (scheduler != null) scheduler.step();
            if (validation != null) evaluate(validation).forEach((k, v) -> logs.put("val_" + k, v));
            logs.put("seconds", (System.nanoTime() - start) / 1e9);
            history.add(logs);
            for (TrainingListener l : listeners) l.onEpochEnd(this, epoch, logs);
        }
        for (TrainingListener l : listeners) l.onTrainEnd(this, history);
        return history;
    }

    private Map<String, Double> trainEpoch(DataLoader train, int epoch) {
        model.train();
        for (Metric m : metrics) m.reset();
        double lossSum = 0;
        long samples = 0;
        int batchIndex = 0;
        for (Batch b : train) {
            Tensor x = b.inputs().to(device), y = b.targets().to(device);
            Tensor out = model.forward(x);
            Tensor l = loss.apply(out, y);
            l.backward();
            if (!Double.isNaN(clipNorm)) Clip.gradNorm(optimizer.parameters(), clipNorm);
            optimizer.step();
            optimizer.zeroGrad();
            double value = l.item();
            if (!Double.isFinite(value)) {
                throw new IllegalStateException("fit: the loss became " + value + " at epoch " + epoch + ", batch " + (batchIndex + 1)
                        + "; lower the learning rate or check the data");
            }
            try (var _ = GradMode.noGrad()) {
                for (Metric m : metrics) m.update(out.detach(), y);
            }
            lossSum += value * b.size();
            samples += b.size();
            batchIndex++;
            for (TrainingListener lis : listeners) lis.onBatchEnd(this, epoch, batchIndex, value, b.size());
        }
        Map<String, Double> logs = new LinkedHashMap<>();
        logs.put("loss", lossSum / Math.max(samples, 1));
        for (Metric m : metrics) logs.put(m.name(), m.value());
        return logs;
    }

    /** The mean loss and the metrics over {@code data}, in evaluation mode, without a graph. */
    public Map<String, Double> evaluate(DataLoader data) {
        boolean wasTraining = model.isTraining();
        model.eval();
        for (Metric m : metrics) m.reset();
        double lossSum = 0;
        long samples = 0;
        try (var _ = GradMode.noGrad()) {
            for (Batch b : data) {
                Tensor x = b.inputs().to(device), y = b.targets().to(device);
                Tensor out = model.forward(x);
                lossSum += loss.apply(out, y).item() * b.size();
                samples += b.size();
                for (Metric m : metrics) m.update(out, y);
            }
        } finally {
            model.train(wasTraining);
        }
        Map<String, Double> logs = new LinkedHashMap<>();
        logs.put("loss", lossSum / Math.max(samples, 1));
        for (Metric m : metrics) logs.put(m.name(), m.value());
        return logs;
    }

    /** The model's outputs for every batch of {@code data}, concatenated (evaluation mode, no graph, on the CPU). */
    public Tensor predict(DataLoader data) {
        boolean wasTraining = model.isTraining();
        model.eval();
        List<Tensor> outs = new ArrayList<>();
        try (var _ = GradMode.noGrad()) {
            for (Batch b : data) outs.add(model.forward(b.inputs().to(device)).cpu());
        } finally {
            model.train(wasTraining);
        }
        return Tensor.cat(outs, 0);
    }
}
