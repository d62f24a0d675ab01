/**
 * CUDA bindings. {@link dev.jgrad.cuda.Cuda#isAvailable()} tells, without throwing, whether a
 * usable GPU and driver are present.
 *
 * <pre>{@code
 * if (Cuda.isAvailable()) { ... } else { System.out.println(Cuda.unavailableReason()); }
 * }</pre>
 */
package dev.jgrad.cuda;
