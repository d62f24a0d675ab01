package dev.jgrad.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The FMA-throughput loop behind {@link Peak}: 16 independent vector accumulators (more than
 * FMA latency × FMA ports, so the loop is throughput-bound) over the preferred species, which
 * is a {@code static final} field so that C2 intrinsifies it. Loaded only when the
 * {@code jdk.incubator.vector} module is readable.
 */
final class VectorFma {
    private VectorFma() {}

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int ACCUMULATORS = 16;

    /** FLOPs one call of {@link #run(int)} performs per iteration. */
    static double flopsPerIteration() {
        return 2.0 * ACCUMULATORS * SPECIES.length();
    }

    static int lanes() {
        return SPECIES.length();
    }

    /** {@code iterations} rounds of one FMA on each of 16 accumulators; returns a value that depends on all of them. */
    static float run(int iterations) {
        FloatVector a = FloatVector.broadcast(SPECIES, 0.9999999f), b = FloatVector.broadcast(SPECIES, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(SPECIES, 0.01f), c1 = FloatVector.broadcast(SPECIES, 0.02f);
        FloatVector c2 = FloatVector.broadcast(SPECIES, 0.03f), c3 = FloatVector.broadcast(SPECIES, 0.04f);
        FloatVector c4 = FloatVector.broadcast(SPECIES, 0.05f), c5 = FloatVector.broadcast(SPECIES, 0.06f);
        FloatVector c6 = FloatVector.broadcast(SPECIES, 0.07f), c7 = FloatVector.broadcast(SPECIES, 0.08f);
        FloatVector c8 = FloatVector.broadcast(SPECIES, 0.09f), c9 = FloatVector.broadcast(SPECIES, 0.10f);
        FloatVector c10 = FloatVector.broadcast(SPECIES, 0.11f), c11 = FloatVector.broadcast(SPECIES, 0.12f);
        FloatVector c12 = FloatVector.broadcast(SPECIES, 0.13f), c13 = FloatVector.broadcast(SPECIES, 0.14f);
        FloatVector c14 = FloatVector.broadcast(SPECIES, 0.15f), c15 = FloatVector.broadcast(SPECIES, 0.16f);
        for (int i = 0; i < iterations; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
            c12 = c12.fma(a, b);
            c13 = c13.fma(a, b);
            c14 = c14.fma(a, b);
            c15 = c15.fma(a, b);
        }
        FloatVector s = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7)
                .add(c8).add(c9).add(c10).add(c11).add(c12).add(c13).add(c14).add(c15);
        return s.reduceLanes(VectorOperators.ADD);
    }
}
