/**
 * Optimizers (SGD, Adam, AdamW, Adagrad, Adadelta, RMSprop) with PyTorch's update rules and
 * defaults, learning-rate schedulers, and gradient clipping. Optimizer and scheduler state
 * round-trips through a state dict of tensors, so it can be checkpointed with the model.
 *
 * <pre>{@code
 * Optimizer opt = new Adam(model.parameters(), 1e-3);
 * loss.backward();
 * Clip.gradNorm(model.parameters(), 1.0);
 * opt.step();
 * opt.zeroGrad();
 * }</pre>
 */
package dev.jgrad.nn.optim;
