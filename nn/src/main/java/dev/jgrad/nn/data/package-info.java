/**
 * Datasets and loading: {@link dev.jgrad.nn.data.Dataset}, a {@link dev.jgrad.nn.data.DataLoader}
 * that batches with a seeded shuffle and prefetches in the background, and readers for IDX
 * (the MNIST format), CSV and image folders.
 *
 * <pre>{@code
 * Dataset train = Idx.dataset(Path.of("train-images-idx3-ubyte.gz"), Path.of("train-labels-idx1-ubyte.gz"));
 * for (Batch b : new DataLoader(train, 64, true, 42)) { ... }
 * }</pre>
 */
package dev.jgrad.nn.data;
