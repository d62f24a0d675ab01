package dev.jgrad.nn.train;

import dev.jgrad.nn.Module;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Model checkpoints as safetensors files. The model file holds exactly the state dict, with
 * PyTorch's key names, so {@code model.load_state_dict(safetensors.torch.load_file(path))}
 * loads it into the same architecture in PyTorch, and PyTorch-saved weights load here. The
 * optimizer's state, when given, goes to a sibling file ({@code name.optimizer.safetensors}).
 *
 * <pre>{@code
 * Checkpoint.save(Path.of("mnist.safetensors"), model, optimizer, Map.of("epoch", "5"));
 * Checkpoint.load(Path.of("mnist.safetensors"), model, optimizer);
 * }</pre>
 */
public final class Checkpoint {
    private Checkpoint() {}

    /** Writes the model (and the optimizer, if not null) with string metadata. */
    public static void save(Path file, Module model, Optimizer optimizer, Map<String, String> metadata) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.putIfAbsent("format", "pt");   // what safetensors.torch writes, so tools recognise the file
        Safetensors.write(file, model.stateDict(), meta);
        if (optimizer != null) Safetensors.write(optimizerFile(file), optimizer.stateDict(), Map.of("optimizer", optimizer.getClass().getSimpleName()));
    }

    /** Loads the model strictly (and the optimizer, if not null); returns the metadata. */
    public static Map<String, String> load(Path file, Module model, Optimizer optimizer) throws IOException {
        Safetensors.Contents c = Safetensors.read(file);
        model.loadStateDict(c.tensors());
        if (optimizer != null) {
            Path of = optimizerFile(file);
            Map<String, Tensor> state = Safetensors.read(of).tensors();
            optimizer.loadStateDict(state);
        }
        return c.metadata();
    }

    /** Where the optimizer state of a model checkpoint goes. */
    public static Path optimizerFile(Path modelFile) {
        String name = modelFile.getFileName().toString();
        String stem = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
        return modelFile.resolveSibling(stem + ".optimizer.safetensors");
    }
}
