/**
 * The benchmark CLI ({@link dev.jgrad.bench.Main}) and the cases it shares with the JMH
 * benchmarks ({@link dev.jgrad.bench.Workloads}): every case goes through the public Tensor and
 * nn API, so it measures whatever kernels the backends dispatch to.
 *
 * <pre>{@code
 * ./jgrad bench                 # quick CPU suite: table, CSV, SVG, machine description
 * ./jgrad bench jmh MatMul      # the JMH benchmarks (target/benchmarks.jar)
 * }</pre>
 */
package dev.jgrad.bench;
