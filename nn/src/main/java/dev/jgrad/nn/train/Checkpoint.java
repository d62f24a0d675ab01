package dev.jgrad.nn.train;

import dev.jgrad.nn.Dropout;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.optim.GradScaler;
import dev.jgrad.nn.optim.LRScheduler;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.CorruptFileException;
import dev.jgrad.tensor.io.Safetensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checkpoints, each one safetensors file published in one atomic step.
 *
 * <p>A <b>training checkpoint</b> holds everything a run needs to continue exactly where it
 * stopped: the model's state dict, the optimizer's (with its class), the scheduler's, the
 * {@link GradScaler}'s (when the trainer has an enabled one), the epochs completed and the
 * optimizer's step count, and every random generator's state — the default
 * generator (initialisation, dropout layers without their own), each {@link Dropout} generator of
 * the model, and the training {@link DataLoader}'s shuffle and augmentation generators. A run
 * trained for 6 epochs and a run trained for 3, saved, stopped, loaded into new objects and
 * trained for 3 more end with the same bits. The file also records a run id and a SHA-256
 * checksum over all of it, and {@code load} checks, before it changes anything, that the file is
 * whole (the checksum), that its parts agree (the optimizer's step count is the one recorded),
 * and that they fit what they are loaded into: the same parts, the same optimizer class, the
 * model's parameter names and shapes, every optimizer state tensor exactly its parameter's shape,
 * the same random transforms and dropout generators. A refusal names the file and the mismatch
 * ({@link IllegalArgumentException}; a file changed after it was written:
 * {@link CorruptFileException}); the objects are left as they were.
 *
 * <pre>{@code
 * Checkpoint.save(Path.of("run/last.safetensors"), trainer, trainLoader, Map.of("note", "lr 1e-3"));
 * // … later, in a new process, with the same code building the objects:
 * Checkpoint.load(Path.of("run/last.safetensors"), trainer, trainLoader);
 * trainer.fit(trainLoader, testLoader, 10 - trainer.epoch());
 * }</pre>
 *
 * <p>Saving goes through {@link Safetensors#write}: a temporary file in the target's directory
 * ({@code name.<random>.tmp}), forced to the disk, renamed over the target atomically, the
 * directory forced where the platform allows: a reader sees the previous checkpoint or the new
 * one, never a mix, and a save that fails removes its temporary file (a process killed while
 * saving leaves that file behind, never a partial target). Save between epochs: the loader's state then marks an
 * epoch boundary (a loader's unfinished epoch is ended by {@link DataLoader#stateDict()}).
 *
 * <p>Layout: tensors {@code model.<key>}, {@code optimizer.<key>}, {@code scheduler.<key>},
 * {@code scaler.<key>}, {@code loader.<key>}, {@code rng.default} and {@code rng.dropout.<module path>} (int64 [2],
 * {@link Generator#getState()}); metadata {@code jgrad.checkpoint} (the format, "1"),
 * {@code jgrad.parts}, {@code jgrad.run_id}, {@code jgrad.epoch}, {@code jgrad.step},
 * {@code jgrad.optimizer}, {@code jgrad.checksum}, {@code format} ("pt") and the caller's own
 * entries (their keys may not start with {@code jgrad.}).
 *
 * <p>A <b>weights file</b> ({@link #saveWeights}) holds exactly the model's state dict with
 * PyTorch's key names, so {@code model.load_state_dict(safetensors.torch.load_file(path))} loads
 * it into the same architecture in PyTorch, and PyTorch-saved weights load here with
 * {@link #loadWeights}, which also takes the model out of a training checkpoint.
 *
 * <p>Checkpoints of earlier versions were two files, the model and {@code name.optimizer.safetensors}.
 * Their model file is a weights file and loads with {@link #loadWeights}; their optimizer file is
 * not read (read-only support would still load a pair nothing shows to be of one step, the defect
 * the single file removes): a run from such a checkpoint restarts its optimizer.
 */
public final class Checkpoint {
    /** The metadata key that marks a training checkpoint, and the format version this class writes. */
    public static final String FORMAT_KEY = "jgrad.checkpoint", FORMAT = "1";

    private static final String PARTS = "jgrad.parts", RUN_ID = "jgrad.run_id", EPOCH = "jgrad.epoch", STEP = "jgrad.step",
            OPTIMIZER = "jgrad.optimizer", CHECKSUM = Checksum.KEY;
    private static final List<String> PART_ORDER = List.of("model", "optimizer", "scheduler", "scaler", "loader");
    private static final String DEFAULT_RNG = "rng.default", DROPOUT_RNG = "rng.dropout.";

    private Checkpoint() {}

    /** What one checkpoint saves or restores; null parts are absent, and so is a disabled scaler (it has no state). */
    private record Parts(Module model, Optimizer optimizer, LRScheduler scheduler, GradScaler scaler, DataLoader loader, Trainer trainer) {
        /** The parts of a trainer's checkpoint. */
        static Parts of(Trainer t, DataLoader loader) {
            GradScaler s = t.gradScaler();
            return new Parts(t.model(), t.optimizer(), t.scheduler(), s != null && s.isEnabled() ? s : null, loader, t);
        }

        Set<String> names() {
            Set<String> s = new TreeSet<>();
            s.add("model");
            if (optimizer != null) s.add("optimizer");
            if (scheduler != null) s.add("scheduler");
            if (scaler != null) s.add("scaler");
            if (loader != null) s.add("loader");
            return s;
        }
    }

    /**
     * Saves a training checkpoint of {@code trainer} (model, optimizer, scheduler, gradient scaler,
     * epochs completed, run id) and of {@code train}, the loader it trains on (null: no loader state), with the
     * caller's {@code metadata}; replaces {@code file} atomically.
     *
     * @param file     the checkpoint file
     * @param trainer  the trainer
     * @param train    the loader it trains on, or null
     * @param metadata the caller's metadata
     * @throws java.io.IOException when the file cannot be written
     * @throws IllegalArgumentException when a metadata key starts with {@code jgrad.}
     */
    public static void save(Path file, Trainer trainer, DataLoader train, Map<String, String> metadata) throws IOException {
        if (trainer == null) throw new IllegalArgumentException("Checkpoint.save: trainer is null");
        write(file, Parts.of(trainer, train), metadata);
    }

    /**
     * Loads a training checkpoint into {@code trainer} and {@code train} (null when the checkpoint
     * holds no loader state): model, optimizer, scheduler, gradient scaler, loader and every random generator, and
     * the trainer's epoch count and run id, so its next {@code fit} continues the run. The file
     * must hold exactly these parts (a scheduler the trainer has but the file lacks, or the reverse,
     * is refused). Returns the file's metadata.
     *
     * @param file    the checkpoint file
     * @param trainer the trainer
     * @param train   the loader it trains on, or null
     * @return the file's metadata
     * @throws IllegalArgumentException naming the file and the mismatch; nothing is changed then
     * @throws CorruptFileException     when the file is not whole or was changed after it was written
     */
    public static Map<String, String> load(Path file, Trainer trainer, DataLoader train) throws IOException {
        if (trainer == null) throw new IllegalArgumentException("Checkpoint.load: trainer is null");
        return read(file, Parts.of(trainer, train));
    }

    /**
     * Saves a training checkpoint of a model and an optimizer (null: the model alone) with the
     * random generators the model draws from, for training loops without a {@link Trainer}.
     *
     * <pre>{@code
     * Checkpoint.save(Path.of("step-1000.safetensors"), model, optimizer, Map.of("step", "1000"));
     * }</pre>
     *
     * @param file      the checkpoint file
     * @param model     the model
     * @param optimizer the optimizer, or null
     * @param metadata  the caller's metadata
     * @throws java.io.IOException when the file cannot be written
     */
    public static void save(Path file, Module model, Optimizer optimizer, Map<String, String> metadata) throws IOException {
        if (model == null) throw new IllegalArgumentException("Checkpoint.save: model is null");
        write(file, new Parts(model, optimizer, null, null, null, null), metadata);
    }

    /**
     * Loads a checkpoint saved by {@link #save(Path, Module, Optimizer, Map)} with the same parts
     * (the optimizer null or not alike); returns its metadata. To take only the weights out of any
     * checkpoint, use {@link #loadWeights}.
     *
     * @param file      the checkpoint file
     * @param model     the model
     * @param optimizer the optimizer, or null
     * @return the file's metadata
     * @throws IllegalArgumentException naming the file and the mismatch; nothing is changed then
     * @throws CorruptFileException     when the file is not whole or was changed after it was written
     */
    public static Map<String, String> load(Path file, Module model, Optimizer optimizer) throws IOException {
        if (model == null) throw new IllegalArgumentException("Checkpoint.load: model is null");
        return read(file, new Parts(model, optimizer, null, null, null, null));
    }

    /**
     * Writes exactly the model's state dict (PyTorch's key names and layout) with {@code metadata}
     * and the marker {@code format: pt}; replaces {@code file} atomically. Each tensor keeps its
     * dtype: a model converted to bfloat16 writes BF16, the bits it holds.
     *
     * <pre>{@code
     * Checkpoint.saveWeights(Path.of("mnist.safetensors"), model, Map.of("accuracy", "0.98"));
     * }</pre>
     *
     * @param file     the weights file
     * @param model    the model
     * @param metadata the caller's metadata
     * @throws java.io.IOException when the file cannot be written
     */
    public static void saveWeights(Path file, Module model, Map<String, String> metadata) throws IOException {
        if (model == null) throw new IllegalArgumentException("Checkpoint.saveWeights: model is null");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");   // what safetensors.torch writes, so tools recognise the file
        if (metadata != null) meta.putAll(metadata);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> tensors.put(k, v.cpu()));
        publish(file, tensors, meta);
    }

    /**
     * Loads the weights of a weights file (also one written by PyTorch, or the model file of an
     * old two-file checkpoint) or the model part of a training checkpoint, strictly: every name,
     * every shape. Returns the file's metadata. The values are converted to the model's dtype
     * ({@link Module#loadStateDict(Map, boolean)}): a BF16 or F16 file loads into a float32 model,
     * or into one converted to the file's type first, which then computes in that type.
     *
     * <pre>{@code
     * model.to(DType.BFLOAT16);   // keep the checkpoint's bfloat16 values as they are
     * Map<String, String> meta = Checkpoint.loadWeights(Path.of("model.bf16.safetensors"), model);
     * }</pre>
     *
     * @param file  the weights file or checkpoint
     * @param model the model
     * @return the file's metadata
     * @throws java.io.IOException when the file cannot be read
     * @throws IllegalArgumentException naming the file and the keys or shapes that differ
     */
    public static Map<String, String> loadWeights(Path file, Module model) throws IOException {
        if (model == null) throw new IllegalArgumentException("Checkpoint.loadWeights: model is null");
        Safetensors.Contents c = Safetensors.read(file);
        Map<String, Tensor> weights = c.tensors();
        if (c.metadata().containsKey(FORMAT_KEY)) {
            checkFormatAndChecksum(file, c);
            weights = part(c.tensors(), "model");
        }
        try {
            model.loadStateDict(weights);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        return c.metadata();
    }

    // ---------------------------------------------------------------------------------------------

    private static void write(Path file, Parts p, Map<String, String> metadata) throws IOException {
        if (file == null) throw new IllegalArgumentException("Checkpoint.save: file is null");
        if (metadata == null) throw new IllegalArgumentException("Checkpoint.save: metadata is null (pass Map.of())");
        for (String k : metadata.keySet()) {
            if (k.startsWith("jgrad.")) throw new IllegalArgumentException("Checkpoint.save: metadata key \"" + k + "\" is reserved (jgrad.*)");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        putPart(tensors, "model", p.model().stateDict());
        if (p.optimizer() != null) putPart(tensors, "optimizer", p.optimizer().stateDict());
        if (p.scheduler() != null) putPart(tensors, "scheduler", p.scheduler().stateDict());
        if (p.scaler() != null) putPart(tensors, "scaler", p.scaler().stateDict());
        if (p.loader() != null) putPart(tensors, "loader", p.loader().stateDict());
        tensors.put(DEFAULT_RNG, Tensor.of(Generator.getDefault().getState(), 2));
        dropoutGenerators(p.model()).forEach((name, g) -> tensors.put(DROPOUT_RNG + name, Tensor.of(g.getState(), 2)));

        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(metadata);
        meta.put(FORMAT_KEY, FORMAT);
        meta.put(PARTS, String.join(",", p.names()));
        meta.put(RUN_ID, p.trainer() != null ? p.trainer().runId() : java.util.UUID.randomUUID().toString());
        if (p.trainer() != null) meta.put(EPOCH, Integer.toString(p.trainer().epoch()));
        if (p.optimizer() != null) {
            meta.put(STEP, Long.toString(p.optimizer().steps()));
            meta.put(OPTIMIZER, p.optimizer().getClass().getName());
        }
        meta.put(CHECKSUM, Checksum.of(tensors, meta));
        publish(file, tensors, meta);
    }

    private static void putPart(Map<String, Tensor> out, String part, Map<String, Tensor> state) {
        state.forEach((k, v) -> out.put(part + "." + k, v.cpu()));   // on the CPU once: the checksum and the writer read the same copy
    }

    private static Map<String, Tensor> part(Map<String, Tensor> all, String part) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        String prefix = part + ".";
        all.forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v);
        });
        return out;
    }

    /** Every Dropout of the model with a generator of its own, by module path ("3", "encoder.1.dropout"). */
    private static Map<String, Generator> dropoutGenerators(Module model) {
        Map<String, Generator> out = new LinkedHashMap<>();
        collectDropouts("", model, out);
        return out;
    }

    private static void collectDropouts(String path, Module m, Map<String, Generator> out) {
        if (m instanceof Dropout d && d.generator() != Generator.getDefault()) out.put(path, d.generator());
        m.children().forEach((name, child) -> collectDropouts(path.isEmpty() ? name : path + "." + name, child, out));
    }

    private static void checkFormatAndChecksum(Path file, Safetensors.Contents c) throws CorruptFileException {
        String format = c.metadata().get(FORMAT_KEY);
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException(file + ": checkpoint format \"" + format + "\" is not one this version reads (\"" + FORMAT + "\")");
        }
        String recorded = c.metadata().get(CHECKSUM), actual = Checksum.of(c.tensors(), c.metadata());
        if (!actual.equals(recorded)) {
            throw new CorruptFileException(file, 8, "the checkpoint's checksum " + recorded + " does not match its contents (" + actual
                    + "): the file was changed after it was written, or parts of several checkpoints were put together");
        }
    }

    private static Map<String, String> read(Path file, Parts p) throws IOException {
        if (file == null) throw new IllegalArgumentException("Checkpoint.load: file is null");
        Safetensors.Contents c = Safetensors.read(file);
        Map<String, String> meta = c.metadata();
        if (!meta.containsKey(FORMAT_KEY)) {
            throw new IllegalArgumentException(file + ": not a jgrad training checkpoint (no \"" + FORMAT_KEY + "\" in its metadata): a weights file,"
                    + " or the model file of an old two-file checkpoint, whose optimizer file is not read; load its weights with Checkpoint.loadWeights");
        }
        checkFormatAndChecksum(file, c);
        Map<String, Tensor> all = c.tensors();

        // the parts: recorded, present, and given must agree
        Set<String> recorded = new TreeSet<>(Arrays.asList(meta.getOrDefault(PARTS, "").split(",")));
        Set<String> present = new TreeSet<>(), dropoutNames = new TreeSet<>();
        for (String k : all.keySet()) {
            if (k.startsWith(DROPOUT_RNG)) dropoutNames.add(k.substring(DROPOUT_RNG.length()));
            else if (!k.equals(DEFAULT_RNG)) present.add(k.substring(0, Math.max(k.indexOf('.'), 0)));
        }
        if (!recorded.equals(present) || !PART_ORDER.containsAll(present) || !all.containsKey(DEFAULT_RNG)) {
            throw new IllegalArgumentException(file + ": the checkpoint lists the parts " + recorded + " but holds " + present
                    + (all.containsKey(DEFAULT_RNG) ? "" : " and no \"" + DEFAULT_RNG + "\""));
        }
        if (!present.equals(p.names())) {
            throw new IllegalArgumentException(file + ": the checkpoint holds " + present + " but " + p.names() + " were given to load it into"
                    + " (every part saved must be restored, or the run would not continue where it stopped)");
        }
        if (p.optimizer() != null) {
            String saved = meta.get(OPTIMIZER), mine = p.optimizer().getClass().getName();
            if (!mine.equals(saved)) throw new IllegalArgumentException(file + ": the optimizer state is " + saved + "'s; this optimizer is " + mine);
            Tensor step = all.get("optimizer.step");
            if (step == null || step.numel() != 1 || !Long.toString(step.itemLong()).equals(meta.get(STEP))) {
                throw new IllegalArgumentException(file + ": the optimizer state is of step " + (step == null || step.numel() != 1 ? "?" : step.itemLong())
                        + " but the checkpoint records step " + meta.get(STEP) + ": its parts do not belong together");
            }
        }
        int epoch = 0;
        if (p.trainer() != null) {
            try {
                epoch = Integer.parseInt(meta.getOrDefault(EPOCH, ""));
            } catch (NumberFormatException e) {
                epoch = -1;
            }
            if (epoch < 0) throw new IllegalArgumentException(file + ": the checkpoint records no epoch count (\"" + EPOCH + "\": " + meta.get(EPOCH) + ")");
        }
        Map<String, Generator> dropouts = dropoutGenerators(p.model());
        if (!dropouts.keySet().equals(dropoutNames)) {
            throw new IllegalArgumentException(file + ": the checkpoint has generators for the dropout layers " + dropoutNames
                    + ", this model has dropout layers with generators of their own at " + new TreeSet<>(dropouts.keySet()));
        }
        Map<Generator, long[]> generatorStates = new LinkedHashMap<>();
        generatorStates.put(Generator.getDefault(), rngState(file, DEFAULT_RNG, all.get(DEFAULT_RNG)));
        for (String name : dropoutNames) generatorStates.put(dropouts.get(name), rngState(file, DROPOUT_RNG + name, all.get(DROPOUT_RNG + name)));

        // everything is checked that can be without loading; what the parts check themselves is undone on failure
        Restorer undo = new Restorer(p, generatorStates.keySet());
        try {
            p.model().loadStateDict(part(all, "model"));
            if (p.optimizer() != null) p.optimizer().loadStateDict(part(all, "optimizer"));
            if (p.scheduler() != null) p.scheduler().loadStateDict(part(all, "scheduler"));
            if (p.scaler() != null) p.scaler().loadStateDict(part(all, "scaler"));
            if (p.loader() != null) p.loader().loadStateDict(part(all, "loader"));
            generatorStates.forEach(Generator::setState);
            if (p.trainer() != null) p.trainer().resumeAt(epoch, meta.getOrDefault(RUN_ID, p.trainer().runId()));
        } catch (RuntimeException e) {
            undo.run();
            if (e instanceof IllegalArgumentException) throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            throw e;
        }
        return meta;
    }

    private static long[] rngState(Path file, String key, Tensor t) {
        if (t.dtype() != DType.INT64 || !Arrays.equals(t.shape(), new int[] {2})) {
            throw new IllegalArgumentException(file + ": \"" + key + "\" must be an int64 tensor of shape [2], got " + t.dtype() + " " + Arrays.toString(t.shape()));
        }
        long[] s = t.toLongArray();
        try {
            new Generator(0).setState(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": \"" + key + "\": " + e.getMessage(), e);
        }
        return s;
    }

    /** The state of everything a load changes, taken before it starts, to put back if the load fails half-way. */
    private static final class Restorer {
        private final Parts parts;
        private final Map<String, Tensor> model = new LinkedHashMap<>();
        private final Map<String, Tensor> optimizer, scheduler, scaler, loader;
        private final Map<Generator, long[]> generators = new LinkedHashMap<>();
        private final int epoch;
        private final String runId;

        Restorer(Parts p, Set<Generator> gens) {
            parts = p;
            p.model().stateDict().forEach((k, v) -> model.put(k, v.clone()));
            optimizer = p.optimizer() == null ? null : p.optimizer().stateDict();
            scheduler = p.scheduler() == null ? null : p.scheduler().stateDict();
            scaler = p.scaler() == null ? null : p.scaler().stateDict();
            loader = p.loader() == null ? null : p.loader().stateDict();
            for (Generator g : gens) generators.put(g, g.getState());
            epoch = p.trainer() == null ? 0 : p.trainer().epoch();
            runId = p.trainer() == null ? null : p.trainer().runId();
        }

        void run() {
            List<RuntimeException> failures = new ArrayList<>();
            attempt(failures, () -> parts.model().loadStateDict(model));
            if (optimizer != null) attempt(failures, () -> parts.optimizer().loadStateDict(optimizer));
            if (scheduler != null) attempt(failures, () -> parts.scheduler().loadStateDict(scheduler));
            if (scaler != null) attempt(failures, () -> parts.scaler().loadStateDict(scaler));
            if (loader != null) attempt(failures, () -> parts.loader().loadStateDict(loader));
            generators.forEach(Generator::setState);
            if (parts.trainer() != null) parts.trainer().resumeAt(epoch, runId);
            if (!failures.isEmpty()) throw new IllegalStateException("Checkpoint.load: could not put the previous state back", failures.get(0));
        }

        private static void attempt(List<RuntimeException> failures, Runnable r) {
            try {
                r.run();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
    }

    /** Writes the file atomically (Safetensors.write: a temporary file of its own, forced, renamed), creating its directory first. */
    private static void publish(Path file, Map<String, Tensor> tensors, Map<String, String> meta) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) java.nio.file.Files.createDirectories(dir);
        Safetensors.write(file, tensors, meta);
    }
}
