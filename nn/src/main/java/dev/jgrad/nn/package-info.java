/**
 * Modules (layers with parameters), losses and weight initialisation.
 *
 * <pre>{@code
 * Module model = new Sequential(
 *         new Linear(784, 128), new ReLU(), new Dropout(0.2), new Linear(128, 10));
 * Tensor loss = Losses.crossEntropy(model.forward(images), labels);
 * }</pre>
 */
package dev.jgrad.nn;
