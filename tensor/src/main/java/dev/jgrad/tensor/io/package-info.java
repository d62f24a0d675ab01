/**
 * Reading and writing tensors in files: the safetensors format (the one PyTorch users share
 * weights in). Every reader validates what it reads and reports corrupt input as a
 * {@link dev.jgrad.tensor.io.CorruptFileException} naming the file and the byte offset.
 *
 * <pre>{@code
 * Safetensors.write(Path.of("model.safetensors"), Map.of("w", w), Map.of());
 * Map<String, Tensor> back = Safetensors.read(Path.of("model.safetensors")).tensors();
 * }</pre>
 */
package dev.jgrad.tensor.io;
