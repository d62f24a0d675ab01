/** Runnable programs: the main training job and the classic textbook exercises. */
module dev.jgrad.examples {
    requires dev.jgrad.nn;
    requires dev.jgrad.dist;   // train --distributed
    requires dev.jgrad.cuda;   // --device cuda, and the GPU settings the options name
    requires java.desktop;   // javax.imageio for the GAN sample grid
    exports dev.jgrad.examples;   // the benchmarks time MnistCnn.model()
    exports dev.jgrad.examples.cli to dev.jgrad.bench;   // the bench CLI follows the same conventions
}
