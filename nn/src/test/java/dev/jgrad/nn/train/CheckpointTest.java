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
        assertTrue(Files.exists(file));
        assertTrue(Files.exists(dir.resolve("sub/ckpt.optimizer.safetensors")));
        assertEquals(dir.resolve("sub/ckpt.optimizer.safetensors"), Checkpoint.optimizerFile(file));
        assertEquals(dir.resolve("m.bin.optimizer.safetensors"), Checkpoint.optimizerFile(dir.resolve("m.bin")));
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

    @Test
    void modelFileHoldsExactlyTheStateDict() throws IOException {
        Sequential m = model(3);
        Path file = dir.resolve("model.safetensors");
        Checkpoint.save(file, m, null, Map.of());
        assertFalse(Files.exists(Checkpoint.optimizerFile(file)), "no optimizer, no optimizer file");
        Safetensors.Contents c = Safetensors.read(file);
        assertEquals(List.copyOf(m.stateDict().keySet()), List.copyOf(c.tensors().keySet()));
        assertEquals(Map.of("format", "pt"), c.metadata());
        Checkpoint.load(file, model(4), null);
        IOException missingOpt = assertThrows(IOException.class, () -> Checkpoint.load(file, model(4), new Adam(model(4).parameters(), 0.1)));
        assertTrue(missingOpt.getMessage().contains("model.optimizer.safetensors"), missingOpt.getMessage());
    }

    @Test
    void loadIntoAnotherArchitectureNamesTheKeys() throws IOException {
        Path file = dir.resolve("m.safetensors");
        Checkpoint.save(file, model(1), null, Map.of());
        Sequential other = new Sequential(new Linear(3, 6), Activation.tanh(), new Linear(6, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file, other, null));
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

    @Test
    void corruptOptimizerFileIsNamed() throws IOException {
        Sequential m = model(1);
        Optimizer opt = new Adam(m.parameters(), 0.01);
        train(m, opt, 0, 1);
        Path file = dir.resolve("run.safetensors");
        Checkpoint.save(file, m, opt, Map.of());
        Path optFile = Checkpoint.optimizerFile(file);
        byte[] all = Files.readAllBytes(optFile);
        Files.write(optFile, Arrays.copyOf(all, all.length - 3));
        CorruptFileException e = assertThrows(CorruptFileException.class, () -> Checkpoint.load(file, model(1), new Adam(model(1).parameters(), 0.01)));
        assertEquals(optFile, e.file());
        assertEquals(all.length - 3, e.offset());
    }
}
