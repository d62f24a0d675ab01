/**
 * Optimizers (SGD, Adam, AdamW, Adagrad, Adadelta, RMSprop) with PyTorch's update rules and
 * defaults, learning-rate schedulers, gradient clipping, and dynamic loss scaling for float16
 * training ({@link dev.jgrad.nn.optim.GradScaler}). Optimizer, scheduler and scaler state
 * round-trips through a state dict of tensors, so it can be checkpointed with the model.
 *
 * <pre>{@code
 * Optimizer opt = new Adam(model.parameters(), 1e-3);
 * loss.backward();
 * Clip.gradNorm(model.parameters(), 1.0);
 * opt.step();
 * opt.zeroGrad();
 * }</pre>
 *
 * <p>With float16 gradients, the same loop through a {@link dev.jgrad.nn.optim.GradScaler}:
 *
 * <pre>{@code
 * GradScaler scaler = new GradScaler();
 * scaler.scale(loss).backward();
 * scaler.unscale(opt);                        // before clipping: clip the true gradients
 * Clip.gradNorm(model.parameters(), 1.0);
 * scaler.step(opt);                           // skipped when a gradient is inf or NaN
 * scaler.update();
 * opt.zeroGrad();
 * }</pre>
 */
package dev.jgrad.nn.optim;
