/** Benchmarks of jgrad's kernels against the machine's peak and peer libraries. */
module dev.jgrad.bench {
    requires dev.jgrad.nn;
}
