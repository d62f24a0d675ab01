package dev.jgrad.nn.train;

import dev.jgrad.nn.Loss;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.optim.Clip;
import dev.jgrad.nn.optim.GradScaler;
import dev.jgrad.nn.optim.LRScheduler;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.Autocast;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.TensorScope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The training loop: for each epoch, each batch is moved to the device, run forward, its loss
 * differentiated (scaled first, with a {@link #gradScaler(GradScaler)}), gradients optionally
 * clipped, and the optimizer stepped; metrics accumulate;
 * then the validation data is evaluated and listeners see the epoch's logs. On a GPU the step
 * losses are read back a group at a time ({@link #lossSyncEvery(int)}) and the metrics accumulate
 * on the device, so the host does not wait for the device after every step.
 *
 * <pre>{@code
 * Trainer t = new Trainer(model, new Adam(model.parameters(), 1e-3), Losses::crossEntropy)
 *         .metrics(Metric.accuracy()).listeners(new ProgressBar());
 * t.fit(trainLoader, testLoader, 5);
 * Map<String, Double> test = t.evaluate(testLoader);
 * }</pre>
 *
 * <p>Each step, evaluation batch and prediction batch runs in a {@link Tensor#scope()}: its
 * activations, graph, gradients' temporaries and the batch's copy on the device are freed when the
 * step ends, so on a GPU the memory of one step is back in the allocator's pool before the next
 * (no garbage collection needed). What outlives a step — parameters and their gradients, optimizer
 * state, metric counts, the losses waiting to be read — is owned outside the scope. Metrics get the
 * step's detached outputs and targets, valid during {@link Metric#update}: a metric that keeps
 * them must copy them; the tensors it makes there are its own.
 *
 * <p>The trainer counts the epochs it has completed ({@link #epoch()}), across {@code fit} calls
 * and across a {@link Checkpoint} saved and loaded, so a resumed run numbers its epochs on:
 *
 * <pre>{@code
 * Checkpoint.load(Path.of("run/last.safetensors"), trainer, trainLoader);   // trainer.epoch() == 3
 * trainer.fit(trainLoader, testLoader, 2);                                  // epochs 4 and 5
 * }</pre>
 */
public final class Trainer {
    /** Steps between loss reads on a GPU unless set otherwise; see {@link #lossSyncEvery(int)}. */
    public static final int CUDA_LOSS_SYNC_EVERY = 16;

    private final Module model;
    private final Optimizer optimizer;
    private DType autocast;
    private final Loss loss;
    private final List<Metric> metrics = new ArrayList<>();
    private final List<TrainingListener> listeners = new ArrayList<>();
    private Device device = Device.CPU;
    private LRScheduler scheduler;
    private double clipNorm = Double.NaN;
    private GradScaler gradScaler;
    private boolean capture;
    private final Map<String, Step> capturedSteps = new LinkedHashMap<>();
    private int lossSyncEvery;   // 0: the device's default
    private volatile boolean stopRequested;
    private int epoch;   // epochs completed
    private String runId = java.util.UUID.randomUUID().toString();
    private DataLoader trainingLoader;
    /** Applied to every epoch's training logs and to every evaluation's before anyone sees them ({@link #reduceLogs}). */
    private UnaryOperator<Map<String, Double>> logReducer = UnaryOperator.identity();

    /**
     * A trainer of {@code model} with {@code optimizer} on {@code loss}, on the CPU.
     *
     * @param model     the model
     * @param optimizer the optimizer of the model's parameters
     * @param loss      the loss of the model's output against the targets
     */
    public Trainer(Module model, Optimizer optimizer, Loss loss) {
        this.model = model;
        this.optimizer = optimizer;
        this.loss = loss;
    }

    /**
     * Adds metrics computed on training and validation data; returns this.
     *
     * @param ms the metrics
     * @return this trainer
     */
    public Trainer metrics(Metric... ms) {
        metrics.addAll(List.of(ms));
        return this;
    }

    /**
     * Adds listeners; returns this.
     *
     * @param ls the listeners
     * @return this trainer
     */
    public Trainer listeners(TrainingListener... ls) {
        listeners.addAll(List.of(ls));
        return this;
    }

    /**
     * Moves the model there now and every batch there during training; returns this.
     *
     * @param d the device
     * @return this trainer
     */
    public Trainer device(Device d) {
        device = d;
        model.to(d);
        return this;
    }

    /**
     * A scheduler stepped after every epoch; returns this.
     *
     * @param s the scheduler, or null
     * @return this trainer
     */
    public Trainer scheduler(LRScheduler s) {
        scheduler = s;
        return this;
    }

    /**
     * Runs each forward pass and loss (training, {@link #evaluate}, {@link #predict}) under
     * {@link Autocast} with this lower-precision type, the parameters staying in their own type;
     * null turns it off (the default). Returns this.
     *
     * <pre>{@code
     * new Trainer(model, new Adam(model.parameters(), 1e-3), Losses::crossEntropy).autocast(DType.BFLOAT16);
     * }</pre>
     *
     * @param dtype {@code BFLOAT16} or {@code FLOAT16}, or null
     * @return this trainer
     * @throws IllegalArgumentException when {@code dtype} is another type
     */
    public Trainer autocast(DType dtype) {
        if (dtype != null && !dtype.isHalf()) {
            throw new IllegalArgumentException("Trainer.autocast: dtype must be BFLOAT16 or FLOAT16 (or null for none), got " + dtype);
        }
        autocast = dtype;
        return this;
    }

    /**
     * Captures the training step ({@link Capture#trainStep}) and replays it for every batch: one
     * capture per batch shape (the last, smaller batch of an epoch gets its own), eager where a
     * step cannot be captured ({@link #capturedSteps()} says why). The model, the optimizer and
     * the numbers are the eager loop's; not combined with a gradient scaler or clipping. On a CUDA
     * device each step is a CUDA graph (its optimizer update eager); {@code capture(false)} closes
     * the steps captured so far, giving their device memory back. Returns this.
     *
     * <pre>{@code
     * new Trainer(model, new Adam(model.parameters(), 1e-3), Losses::crossEntropy).capture(true).fit(loader, 3);
     * }</pre>
     *
     * @param on whether to capture
     * @return this trainer
     */
    public Trainer capture(boolean on) {
        capture = on;
        for (Step s : capturedSteps.values()) s.close();   // a CUDA graph's device memory goes back to the allocator
        capturedSteps.clear();
        return this;
    }

    /** {@return the steps captured so far, per batch shape (see {@link #capture(boolean)})} */
    public Map<String, Step> capturedSteps() {
        return java.util.Collections.unmodifiableMap(capturedSteps);
    }

    /** {@return the lower-precision type forward passes run under, or null} */
    public DType autocast() {
        return autocast;
    }

    /** An autocast region for one forward pass, or null (which try-with-resources skips) when off. */
    private Autocast autocastRegion() {
        return autocast == null ? null : Autocast.enable(autocast);
    }

    /**
     * Combines the loss and metrics of this process with those of the other processes of a
     * data-parallel run before they are reported, so that every rank reports the same numbers:
     * {@code reducer} receives each epoch's training logs and each evaluation's, and returns what
     * the listeners, the history and {@link #evaluate} give. The dist module's
     * {@code DistributedMetrics.average(comm)} averages them over the ranks. Returns this.
     *
     * <pre>{@code
     * trainer.reduceLogs(DistributedMetrics.average(comm));   // every rank: the accuracy over all ranks' examples
     * }</pre>
     *
     * @param reducer maps this process's logs to the combined ones (the same keys)
     * @return this trainer
     */
    public Trainer reduceLogs(UnaryOperator<Map<String, Double>> reducer) {
        if (reducer == null) throw new IllegalArgumentException("reduceLogs: the reducer is null");
        this.logReducer = reducer;
        return this;
    }

    /**
     * Clips the gradients' joint L2 norm to {@code maxNorm} before each step; returns this.
     *
     * @param maxNorm the largest joint norm
     * @return this trainer
     */
    public Trainer clipGradNorm(double maxNorm) {
        clipNorm = maxNorm;
        return this;
    }

    /**
     * Trains with dynamic loss scaling (float16 training); returns this. Each step then runs
     * PyTorch's recipe: {@code scaler.scale(loss).backward()}, {@code scaler.unscale(optimizer)}
     * before clipping (so {@link #clipGradNorm(double)} clips the true gradients), then
     * {@code scaler.step(optimizer)}, which skips the step when a gradient is inf or NaN, and
     * {@code scaler.update()}. The losses reported are the unscaled ones, and a {@link Checkpoint}
     * of this trainer saves and restores the scaler's state. Without a scaler (the default) a step
     * is {@code loss.backward()}, clipping, {@code optimizer.step()}.
     *
     * <pre>{@code
     * Trainer t = new Trainer(model, new Adam(model.parameters(), 1e-3), Losses::crossEntropy)
     *         .gradScaler(new GradScaler()).clipGradNorm(1.0);
     * }</pre>
     *
     * @param scaler the scaler, or null for none
     * @return this trainer
     */
    public Trainer gradScaler(GradScaler scaler) {
        gradScaler = scaler;
        return this;
    }

    /** {@return the scaler set by {@link #gradScaler(GradScaler)}, or null} */
    public GradScaler gradScaler() {
        return gradScaler;
    }

    /**
     * Reads the training losses back to the host every {@code n} steps, in one transfer, instead of
     * after every step; returns this. Each step's loss stays on the device until its group is read;
     * then the batches of the group are checked and delivered to {@link TrainingListener#onBatchEnd}
     * one by one, in order, with their own values. The last partial group is read at the end of each
     * epoch, so every batch is delivered before {@code onEpochEnd} and the epoch's loss is exact.
     *
     * <p>Reading a value from a GPU makes the host wait until the device has finished all the work
     * queued so far; while it waits, nothing new is queued, so the GPU then idles until the next
     * step's first kernels arrive. Reading every step pays that once per step. Two consequences of a
     * larger {@code n}: listeners see batches in bursts of {@code n} (the model has by then taken up to
     * {@code n − 1} further steps), and a NaN or infinite loss stops training when its group is read,
     * up to {@code n − 1} steps after the batch that produced it — the error still names that batch,
     * but the optimizer has already stepped on it, so the weights are likely non-finite too.
     *
     * <p>With {@code n = 1} each loss is read before {@code backward()} and {@code optimizer.step()}:
     * a non-finite loss stops training with the parameters, gradients and optimizer state as they were
     * after the previous batch (buffers that the forward pass itself updates, such as batch-norm running
     * statistics, have seen the batch). Only this setting guarantees that. Skipping the step on the
     * device instead (a flag that every optimizer update obeys, with no host wait) would need each
     * optimizer's update, fused kernels and user subclasses included, to be made conditional, or an
     * extra pass over every parameter and state tensor per step to undo it; the check that reads the
     * loss is exact and costs only the wait that a larger {@code n} exists to avoid.
     *
     * <p>Default: 1 on the CPU, where reading a tensor costs nothing and every batch is delivered at
     * once; {@value #CUDA_LOSS_SYNC_EVERY} on a GPU, so the stall comes once per 16 steps, while a
     * progress bar (which prints every tenth of an epoch) still moves smoothly for epochs of a few
     * hundred batches, a diverging run is stopped at most 15 steps late, and only 16 scalars wait on
     * the device. A larger {@code n} removes little more of the stall. Set {@code lossSyncEvery(1)}
     * on a GPU when a diverging run must stop before its weights are touched.
     *
     * <pre>{@code
     * trainer.device(Device.cuda()).lossSyncEvery(32);   // one read per 32 steps
     * }</pre>
     *
     * @param n steps per read, at least 1
     * @return this trainer
     * @throws IllegalArgumentException when {@code n < 1}
     */
    public Trainer lossSyncEvery(int n) {
        if (n < 1) throw new IllegalArgumentException("lossSyncEvery: n must be >= 1 (1 reads every step's loss), got " + n);
        lossSyncEvery = n;
        return this;
    }

    /**
     * {@return the number of steps between loss reads: the one set by {@link #lossSyncEvery(int)}, else the
     * device's default}
     */
    public int lossSyncEvery() {
        return lossSyncEvery > 0 ? lossSyncEvery : defaultLossSyncEvery(device);
    }

    static int defaultLossSyncEvery(Device d) {
        return d.type() == Device.Type.CPU ? 1 : CUDA_LOSS_SYNC_EVERY;
    }

    /** {@return the model} */
    public Module model() {
        return model;
    }

    /** {@return the optimizer} */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** {@return the scheduler set by {@link #scheduler(LRScheduler)}, or null} */
    public LRScheduler scheduler() {
        return scheduler;
    }

    /**
     * The number of epochs completed: 0 for a new trainer, then the number of the last finished
     * epoch (also while listeners see its {@code onEpochEnd}); a loaded {@link Checkpoint} sets it.
     *
     * @return the epochs completed
     */
    public int epoch() {
        return epoch;
    }

    /**
     * A random identifier of this training run, recorded in each checkpoint and taken over from a
     * loaded one, so the checkpoints of one run, resumed or not, carry the same id.
     *
     * @return the run's identifier
     */
    public String runId() {
        return runId;
    }

    /** {@return the loader the current (or last) {@link #fit} trains on, or null before the first} */
    public DataLoader trainingLoader() {
        return trainingLoader;
    }

    /** Where a loaded checkpoint left the run (called by {@link Checkpoint#load(java.nio.file.Path, Trainer, DataLoader)}). */
    void resumeAt(int completedEpochs, String run) {
        this.epoch = completedEpochs;
        this.runId = run;
    }

    /** Asks {@link #fit} to stop after the current epoch (listeners such as early stopping call it). */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * Trains up to {@code epochs} more epochs, numbered on from {@link #epoch()} + 1 (from 1 for a
     * new trainer; from 4 after a checkpoint of epoch 3 was loaded); {@code validation} may be null.
     * Listeners' {@code onTrainBegin} gets the number of the last planned epoch. Returns the history
     * of this call's epochs.
     *
     * @param train      the training data
     * @param validation the validation data, or null
     * @param epochs     the number of epochs to train
     * @return the history of this call's epochs
     */
    public History fit(DataLoader train, DataLoader validation, int epochs) {
        if (train == null) throw new IllegalArgumentException("fit: the training loader is null");
        if (epochs < 1) throw new IllegalArgumentException("fit: epochs must be >= 1, got " + epochs);
        if (epochs > Integer.MAX_VALUE - epoch) throw new IllegalArgumentException("fit: " + epochs + " epochs after epoch " + epoch + " overflow the epoch count");
        History history = new History();
        stopRequested = false;
        trainingLoader = train;
        int first = epoch + 1, last = epoch + epochs;
        for (TrainingListener l : listeners) l.onTrainBegin(this, last, train.batchesPerEpoch(), train.datasetSize());
        for (int e = first; e <= last && !stopRequested; e++) {
            long start = System.nanoTime();
            for (TrainingListener l : listeners) l.onEpochBegin(this, e);
            Map<String, Double> logs = trainEpoch(train, e);
            logs.put("lr", optimizer.learningRate());
            if (scheduler != null) scheduler.step();
            if (validation != null) evaluate(validation).forEach((k, v) -> logs.put("val_" + k, v));
            logs.put("seconds", (System.nanoTime() - start) / 1e9);
            history.add(logs);
            epoch = e;   // before the listeners: a checkpoint written at onEpochEnd records this epoch as completed
            for (TrainingListener l : listeners) l.onEpochEnd(this, e, logs);
        }
        for (TrainingListener l : listeners) l.onTrainEnd(this, history);
        return history;
    }

    /** The captured step for batches shaped as x and y: captured at the first such batch. */
    private Step capturedStep(Tensor x, Tensor y) {
        String key = "inputs " + java.util.Arrays.toString(x.shape()) + " " + x.dtype() + ", targets " + java.util.Arrays.toString(y.shape()) + " " + y.dtype();
        Step step = capturedSteps.get(key);
        if (step == null) {
            try (var _ = TensorScope.unscoped()) {
                step = Capture.trainStep(model, loss, optimizer, new Batch(x, y), autocast);
            }
            capturedSteps.put(key, step);
        }
        return step;
    }

    private Map<String, Double> trainEpoch(DataLoader train, int epoch) {
        model.train();
        if (capture && (gradScaler != null || !Double.isNaN(clipNorm))) {
            throw new IllegalStateException("fit: a captured step does not combine with " + (gradScaler != null ? "a gradient scaler" : "gradient clipping")
                    + " yet; train without capture(true), or without it");
        }
        for (Metric m : metrics) m.reset();
        DeferredLosses losses = new DeferredLosses(this, listeners, epoch, lossSyncEvery());
        boolean readEachStep = losses.readsEachStep();
        for (Batch b : train) {
            try (var _ = Tensor.scope()) {   // the step's tensors are freed when it ends, on every device
                Tensor x = b.inputs().to(device), y = b.targets().to(device);
                Tensor out, l;
                if (capture) {   // the whole step replayed: the loss is read (and checked) before the optimizer's update
                    Step step = capturedStep(x, y);
                    double[] read = {Double.NaN};
                    l = step.run(x, y, readEachStep ? lt -> read[0] = losses.readBeforeStep(lt) : null);
                    out = step.output();
                    updateMetrics(out.detach(), y);
                    if (readEachStep) losses.addRead(read[0], b.size());
                    else losses.add(l, b.size());
                    continue;
                }
                try (var _ = autocastRegion()) {   // the forward pass and the loss; backward runs outside, as PyTorch's recipe has it
                    out = model.call(x);
                    l = loss.apply(out, y);
                }
                // read before backward and step: a non-finite loss then leaves parameters, gradients and optimizer untouched
                double value = readEachStep ? losses.readBeforeStep(l) : Double.NaN;
                (gradScaler == null ? l : gradScaler.scale(l)).backward();
                if (!Double.isNaN(clipNorm)) {
                    if (gradScaler != null) gradScaler.unscale(optimizer);   // clip the true gradients, as PyTorch's recipe does
                    Clip.gradNorm(optimizer.parameters(), clipNorm);
                }
                if (gradScaler == null) {
                    optimizer.step();
                } else {
                    gradScaler.step(optimizer);   // skipped when a gradient is inf or NaN
                    gradScaler.update();
                }
                optimizer.zeroGrad();
                updateMetrics(out.detach(), y);
                if (readEachStep) losses.addRead(value, b.size());
                else losses.add(l, b.size());
            }
        }
        losses.flush();   // the last, partial group: every batch is delivered before onEpochEnd
        Map<String, Double> logs = new LinkedHashMap<>();
        logs.put("loss", losses.mean());
        for (Metric m : metrics) logs.put(m.name(), m.value());
        return new LinkedHashMap<>(logReducer.apply(logs));
    }

    /**
     * {@return the mean loss and the metrics over {@code data}, in evaluation mode, without a graph}
     *
     * @param data the data
     */
    public Map<String, Double> evaluate(DataLoader data) {
        boolean wasTraining = model.isTraining();
        model.eval();
        for (Metric m : metrics) m.reset();
        Tensor lossSum = null;   // Σ loss · batch size in float64 on the device, read once at the end
        long samples = 0;
        try (var _ = GradMode.noGrad()) {
            for (Batch b : data) {
                try (var _ = Tensor.scope()) {   // the batch's tensors are freed when it is done; the running sum escapes
                    Tensor x = b.inputs().to(device), y = b.targets().to(device);
                    Tensor out, weighted;
                    try (var _ = autocastRegion()) {
                        out = model.call(x);
                        // the same float64 products and sums, in the same order, as reading each loss and summing on the host
                        weighted = loss.apply(out, y).to(DType.FLOAT64).mul((double) b.size());
                    }
                    Tensor previous = lossSum;
                    lossSum = TensorScope.escape(previous == null ? weighted : previous.add(weighted));
                    if (previous != null) previous.close();
                    samples += b.size();
                    updateMetrics(out, y);
                }
            }
        } finally {
            model.train(wasTraining);
        }
        Map<String, Double> logs = new LinkedHashMap<>();
        logs.put("loss", (lossSum == null ? 0 : lossSum.item()) / Math.max(samples, 1));
        if (lossSum != null) lossSum.close();
        for (Metric m : metrics) logs.put(m.name(), m.value());
        return new LinkedHashMap<>(logReducer.apply(logs));
    }

    /** Metrics see the step's detached outputs and targets; what they make lives outside the step's scope (their running counts). */
    private void updateMetrics(Tensor output, Tensor target) {
        try (var _ = GradMode.noGrad(); var _ = TensorScope.unscoped()) {
            for (Metric m : metrics) m.update(output, target);
        }
    }

    /**
     * {@return the model's outputs for every batch of {@code data}, concatenated (evaluation mode, no graph,
     * on the CPU)}
     *
     * @param data the data
     */
    public Tensor predict(DataLoader data) {
        boolean wasTraining = model.isTraining();
        model.eval();
        List<Tensor> outs = new ArrayList<>(), made = new ArrayList<>();
        try (var _ = GradMode.noGrad()) {
            for (Batch b : data) {
                try (var scope = Tensor.scope()) {   // the batch's activations are freed; its output on the CPU is kept
                    Tensor out;
                    try (var _ = autocastRegion()) {
                        out = model.call(b.inputs().to(device)).cpu();
                    }
                    if (scope.owns(out)) made.add(out);   // not, say, the batch itself, returned by a model that passes its input through
                    outs.add(scope.keep(out));
                }
            }
            Tensor all = Tensor.cat(outs, 0);
            for (Tensor t : made) t.close();
            return all;
        } finally {
            model.train(wasTraining);
        }
    }
}
