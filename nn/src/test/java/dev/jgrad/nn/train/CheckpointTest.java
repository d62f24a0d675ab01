package dev.jgrad.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.Activation;
import dev.jgrad.nn.BatchNorm;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.CorruptFileException;
import dev.jgrad.tensor.io.Safetensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint files: round trips that resume training exactly, and corrupt files. */
class CheckpointTest {
    @TempDir
    Path dir;

    private static Sequential model(long seed) {
        Tensor.manualSeed(seed);
        return new Sequential(new Linear(3, 6), BatchNorm.oneD(6), Activation.tanh(), new Linear(6, 2));
    }

    private static final Generator DATA = new Generator(99);
    private static final Tensor X = Tensor.randn(DATA, 16, 3);
    private static final Tensor Y = Tensor.randint(DATA, 0, 2, 16);

    /** Training steps {@code from}…{@code to}−1, each on its own 8-row slice of the data. */
    private static void train(Module m, Optimizer opt, int from, int to) {
        for (int s = from; s < to; s++) {
            int at = (s % 2) * 8;
            Losses.crossEntropy(m.forward(X.narrow(0, at, 8)), Y.narrow(0, at, 8)).backward();
            opt.step();
            opt.zeroGrad();
        }
    }

    private static List<float[]> state(Module m) {
        List<float[]> out = new ArrayList<>();
        for (Tensor t : m.stateDict().values()) out.add(t.toFloatArray());
        return out;
    }

    @Test
    void trainingResumesIdenticallyAfterSaveAndLoad() throws IOException {
        Sequential straight = model(1);
        Optimizer straightOpt = new Adam(straight.parameters(), 0.05);
        train(straight, straightOpt, 0, 3);
        Path file = dir.resolve("sub/ckpt.safetensors");
        Checkpoint.save(file, straight, straightOpt, Map.of("epoch", "3", "note", "ünïcode ✓"));
        assertEquals(List.of("ckpt.safetensors"), names(dir.resolve("sub")), "one file: model and optimizer together, no temporary file left");
        train(straight, straightOpt, 3, 7);

        Sequential resumed = model(2);   // different initial weights, overwritten by the load
        Optimizer resumedOpt = new Adam(resumed.parameters(), 0.001);
        Map<String, String> meta = Checkpoint.load(file, resumed, resumedOpt);
        assertEquals("3", meta.get("epoch"));
        assertEquals("ünïcode ✓", meta.get("note"));
        assertEquals("pt", meta.get("format"), "safetensors.torch's marker, so PyTorch tools accept the file");
        assertEquals(0.05, resumedOpt.learningRate());
        assertEquals(3, resumedOpt.steps());
        train(resumed, resumedOpt, 3, 7);

        List<float[]> a = state(straight), b = state(resumed);
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i), b.get(i), "state tensor " + i + " after 4 more steps");
    }

    private List<String> names(Path d) throws IOException {
        try (var files = Files.list(d)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void weightsFileHoldsExactlyTheStateDict() throws IOException {
        Sequential m = model(3);
        Path file = dir.resolve("model.safetensors");
        Checkpoint.saveWeights(file, m, Map.of());
        assertEquals(List.of("model.safetensors"), names(dir));
        Safetensors.Contents c = Safetensors.read(file);
        assertEquals(List.copyOf(m.stateDict().keySet()), List.copyOf(c.tensors().keySet()));
        assertEquals(Map.of("format", "pt"), c.metadata());
        Sequential loaded = model(4);
        Checkpoint.loadWeights(file, loaded);
        assertArrayEquals(m.stateDict().get("0.weight").toFloatArray(), loaded.stateDict().get("0.weight").toFloatArray());
        // a weights file (like the model file of the old two-file checkpoints) is no training checkpoint
        IllegalArgumentException notACheckpoint = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.load(file, model(4), new Adam(model(4).parameters(), 0.1)));
        assertTrue(notACheckpoint.getMessage().startsWith(file + ": not a jgrad training checkpoint"), notACheckpoint.getMessage());
        assertTrue(notACheckpoint.getMessage().contains("Checkpoint.loadWeights"), notACheckpoint.getMessage());

        // loadWeights also takes the model out of a training checkpoint
        Path full = dir.resolve("full.safetensors");
        Optimizer opt = new Adam(m.parameters(), 0.01);
        train(m, opt, 0, 1);
        Checkpoint.save(full, m, opt, Map.of());
        Sequential fromFull = model(5);
        Checkpoint.loadWeights(full, fromFull);
        for (var e : m.stateDict().entrySet()) assertArrayEquals(e.getValue().toFloatArray(), fromFull.stateDict().get(e.getKey()).toFloatArray());
    }

    @Test
    void loadIntoAnotherArchitectureNamesTheKeys() throws IOException {
        Path file = dir.resolve("m.safetensors");
        Checkpoint.save(file, model(1), null, Map.of());
        Sequential other = new Sequential(new Linear(3, 6), Activation.tanh(), new Linear(6, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file, other, null));
        assertTrue(e.getMessage().startsWith(file + ": "), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains("missing keys: [2.weight, 2.bias]"), e.getMessage());
        assertTrue(e.getMessage().contains("1.running_mean"), e.getMessage());
    }

    @Test
    void truncatedCheckpointNamesFileAndOffset() throws IOException {
        Path file = dir.resolve("cut.safetensors");
        Checkpoint.save(file, model(1), null, Map.of());
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, all.length - 10));
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Checkpoint.load(file, model(1), null));
        assertEquals(file, e.file());
        assertEquals(all.length - 10, e.offset(), "the data ends early: the offset is where the file stops");
        assertTrue(e.getMessage().startsWith(file + ": at byte " + (all.length - 10) + ": "), e.getMessage());

        Files.write(file, Arrays.copyOf(all, 5));
        CorruptFileException tiny = assertThrows(CorruptFileException.class, () -> Checkpoint.load(file, model(1), null));
        assertEquals(0, tiny.offset());
        assertTrue(tiny.getMessage().contains("5 bytes"), tiny.getMessage());

        Files.write(file, Arrays.copyOf(all, 40));   // the header is cut
        CorruptFileException header = assertThrows(CorruptFileException.class, () -> Checkpoint.load(file, model(1), null));
        assertEquals(0, header.offset());
        assertTrue(header.getMessage().contains("runs past the end"), header.getMessage());
    }

    @Test
    void garbageHeaderNamesFileAndOffset() throws IOException {
        Path file = dir.resolve("garbage.safetensors");
        byte[] json = "{\"0.weight\": {\"dtype\": \"F32\", oops}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Files.write(file, b.array());
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Checkpoint.load(file, model(1), null));
        assertEquals(file, e.file());
        int bad = "{\"0.weight\": {\"dtype\": \"F32\", ".length();
        assertTrue(e.offset() >= 8 && e.offset() <= 8 + bad, "offset " + e.offset() + " points into the header, at or before the bad token");
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());

        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).putLong(0);
        Files.write(file, huge.array());
        CorruptFileException h = assertThrows(CorruptFileException.class, () -> Checkpoint.load(file, model(1), null));
        assertEquals(0, h.offset());

        Files.write(file, "this is not a checkpoint at all, just text".getBytes(StandardCharsets.UTF_8));
        CorruptFileException t = assertThrows(CorruptFileException.class, () -> Checkpoint.load(file, model(1), null));
        assertEquals(file, t.file());
        assertEquals(0, t.offset());
    }

    /** The byte range of tensor {@code name}'s data in a safetensors file. */
    private static long[] dataRange(byte[] file, String name) {
        long headerLength = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(file, 8, (int) headerLength, StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + java.util.regex.Pattern.quote(name)
                + "\"\\s*:\\s*\\{[^}]*\"data_offsets\"\\s*:\\s*\\[\\s*(\\d+)\\s*,\\s*(\\d+)").matcher(header);
        assertTrue(m.find(), name + " in " + header);
        return new long[] {8 + headerLength + Long.parseLong(m.group(1)), 8 + headerLength + Long.parseLong(m.group(2))};
    }

    @Test
    void aChangedByteInTheOptimizerStateIsCaughtByTheChecksum() throws IOException {
        Sequential m = model(1);
        Optimizer opt = new Adam(m.parameters(), 0.01);
        train(m, opt, 0, 1);
        Path file = dir.resolve("run.safetensors");
        Checkpoint.save(file, m, opt, Map.of());
        byte[] all = Files.readAllBytes(file);
        long[] range = dataRange(all, "optimizer.state.0.exp_avg");
        all[(int) range[0] + 1] ^= 0x10;   // one bit of one moment estimate
        Files.write(file, all);
        Sequential target = model(7);
        float[] before = target.stateDict().get("0.weight").toFloatArray();
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Checkpoint.load(file, target, new Adam(target.parameters(), 0.01)));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains("checksum") && e.getMessage().contains("changed after it was written"), e.getMessage());
        assertArrayEquals(before, target.stateDict().get("0.weight").toFloatArray(), "nothing loaded");
        assertThrows(CorruptFileException.class, () -> Checkpoint.loadWeights(file, model(7)), "the weights are not taken from a changed file either");
    }

    @Test
    void partsOfTwoCheckpointsPutTogetherAreRefused() throws IOException {
        Sequential m = model(1);
        Optimizer opt = new Adam(m.parameters(), 0.01);
        train(m, opt, 0, 1);
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors"), mixed = dir.resolve("mixed.safetensors");
        Checkpoint.save(a, m, opt, Map.of());
        train(m, opt, 1, 2);
        Checkpoint.save(b, m, opt, Map.of());
        // what a save interrupted between two files used to leave: a step-2 model with a step-1 optimizer
        Safetensors.Contents ca = Safetensors.read(a), cb = Safetensors.read(b);
        Map<String, Tensor> spliced = new java.util.LinkedHashMap<>(cb.tensors());
        ca.tensors().forEach((k, v) -> {
            if (k.startsWith("optimizer.")) spliced.put(k, v);
        });
        Safetensors.write(mixed, spliced, cb.metadata());
        CorruptFileException sum = assertThrows(CorruptFileException.class, () -> Checkpoint.load(mixed, model(1), new Adam(model(1).parameters(), 0.01)));
        assertTrue(sum.getMessage().contains("parts of several checkpoints"), sum.getMessage());

        // even with a checksum made to fit, the optimizer's step count gives the splice away
        Map<String, String> forged = new java.util.LinkedHashMap<>(cb.metadata());
        forged.put(Checksum.KEY, Checksum.of(spliced, forged));
        Safetensors.write(mixed, spliced, forged);
        IllegalArgumentException step = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.load(mixed, model(1), new Adam(model(1).parameters(), 0.01)));
        assertTrue(step.getMessage().startsWith(mixed + ": the optimizer state is of step 1 but the checkpoint records step 2"), step.getMessage());
    }

    @Test
    void optimizerStateOfAnotherClassOrShapeIsRefusedAndNothingChanges() throws IOException {
        Sequential m = model(1);
        Optimizer sgd = new dev.jgrad.nn.optim.SGD(m.parameters(), 0.1, 0.9, false, 0);
        train(m, sgd, 0, 2);
        Path file = dir.resolve("sgd.safetensors");
        Checkpoint.save(file, m, sgd, Map.of());
        Sequential target = model(7);
        Adam adam = new Adam(target.parameters(), 0.01);
        IllegalArgumentException cls = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file, target, adam));
        assertTrue(cls.getMessage().startsWith(file + ": the optimizer state is dev.jgrad.nn.optim.SGD's; this optimizer is dev.jgrad.nn.optim.Adam"),
                cls.getMessage());

        // a one-element exp_avg for a [6, 3] weight, in a file whose checksum fits: refused by the optimizer, and the model
        // (loaded first) is put back as it was
        Optimizer opt = new Adam(m.parameters(), 0.01);
        train(m, opt, 0, 1);
        Path good = dir.resolve("adam.safetensors");
        Checkpoint.save(good, m, opt, Map.of());
        Safetensors.Contents c = Safetensors.read(good);
        Map<String, Tensor> tensors = new java.util.LinkedHashMap<>(c.tensors());
        tensors.put("optimizer.state.0.exp_avg", Tensor.zeros(1));
        Map<String, String> meta = new java.util.LinkedHashMap<>(c.metadata());
        meta.put(Checksum.KEY, Checksum.of(tensors, meta));
        Path bad = dir.resolve("bad.safetensors");
        Safetensors.write(bad, tensors, meta);
        Map<String, Tensor> before = new java.util.LinkedHashMap<>();
        target.stateDict().forEach((k, v) -> before.put(k, v.clone()));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(bad, target, adam));
        assertTrue(shape.getMessage().startsWith(bad + ": Adam.loadStateDict: \"state.0.exp_avg\" has shape [1] but parameter 0 has [6, 3]"),
                shape.getMessage());
        for (var e : target.stateDict().entrySet()) assertArrayEquals(before.get(e.getKey()).toFloatArray(), e.getValue().toFloatArray(), e.getKey());
        assertEquals(0, adam.steps());

        IllegalArgumentException noOptimizer = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(good, model(1), null));
        assertTrue(noOptimizer.getMessage().contains("holds [model, optimizer] but [model] were given"), noOptimizer.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(good, m, opt, Map.of("jgrad.epoch", "9")), "reserved metadata keys");
    }

    @Test
    void aFailedSaveLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Sequential m = model(1);
        Path file = dir.resolve("d/ckpt.safetensors");
        Checkpoint.save(file, m, null, Map.of());
        byte[] old = Files.readAllBytes(file);
        Path blocked = dir.resolve("d/blocked.safetensors");
        Files.createDirectories(blocked.resolve("inside"));   // a non-empty directory where the file should go
        assertThrows(IOException.class, () -> Checkpoint.save(blocked, m, null, Map.of()));
        assertEquals(List.of("blocked.safetensors", "ckpt.safetensors"), names(dir.resolve("d")), "no temporary file left behind");
        assertArrayEquals(old, Files.readAllBytes(file));
    }

    @Test
    void concurrentSavesToOnePathEachPublishAWholeFile() throws Exception {
        Path file = dir.resolve("shared.safetensors");
        for (int round = 0; round < 10; round++) {
            Sequential m1 = model(1), m2 = model(2);
            Thread t1 = Thread.ofPlatform().start(() -> saveQuietly(file, m1)), t2 = Thread.ofPlatform().start(() -> saveQuietly(file, m2));
            t1.join();
            t2.join();
            Sequential loaded = model(3);
            Checkpoint.load(file, loaded, null);   // verifies the checksum: one writer's whole file
            float[] w = loaded.stateDict().get("0.weight").toFloatArray();
            assertTrue(Arrays.equals(w, m1.stateDict().get("0.weight").toFloatArray()) || Arrays.equals(w, m2.stateDict().get("0.weight").toFloatArray()));
            assertEquals(List.of("shared.safetensors"), names(dir), "round " + round);
        }
    }

    private static void saveQuietly(Path file, Module m) {
        try {
            Checkpoint.save(file, m, null, Map.of());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
