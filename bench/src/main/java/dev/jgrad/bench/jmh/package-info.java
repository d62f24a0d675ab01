/**
 * JMH benchmarks of each kernel family through the public Tensor/nn API, built from the same
 * {@link dev.jgrad.bench.Workloads} as the CLI's suite. Build {@code bench/target/benchmarks.jar}
 * and run, for example:
 *
 * <pre>{@code
 * ./jgrad bench jmh MatMulBench -p n=256,1024
 * java -jar bench/target/benchmarks.jar Conv2dBench -f 1 -wi 2 -i 3
 * java -jar bench/target/benchmarks.jar OverheadBench -jvmArgsPrepend -Djgrad.threads=1
 * }</pre>
 *
 * Every class forks with the Vector-API and native-access flags; never pass
 * {@code -jvmArgsAppend} (it replaces them), use {@code -jvmArgsPrepend}.
 */
package dev.jgrad.bench.jmh;
