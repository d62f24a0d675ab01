/**
 * Benchmarks of jgrad through its public Tensor and nn API: a CLI ({@code dev.jgrad.bench.Main})
 * that runs a quick CPU suite against this machine's measured peak and against OpenBLAS and
 * PyTorch, and JMH benchmarks of every kernel family ({@code target/benchmarks.jar}).
 *
 * <p>The Vector API is read only for the FMA peak probe, and JMH only by the JMH benchmark
 * classes; both are optional at run time.
 */
module dev.jgrad.bench {
    requires dev.jgrad.nn;
    requires dev.jgrad.cuda;   // the GPU benchmarks and their peers
    requires dev.jgrad.examples;   // MnistCnn.model(), the model of the MNIST-CNN step
    requires dev.jgrad.dist;   // bench dist
    requires jdk.management;   // process CPU time
    requires static jdk.incubator.vector;
    requires static jmh.core;
    exports dev.jgrad.bench;
}
