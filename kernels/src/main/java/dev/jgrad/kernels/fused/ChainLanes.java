package dev.jgrad.kernels.fused;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector form of each fusable op, one small static method each: the generated chain classes
 * call them in order and C2 inlines them, so the values stay in registers. Each is the lane
 * operation the eager loops of {@code ElementwiseVec} use for that function, so a fused chain
 * gives the eager kernels' bits. Loaded only when the Vector API is enabled.
 */
final class ChainLanes {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ZERO = FloatVector.zero(S);

    private ChainLanes() {}

    static int lanes() {
        return S.length();
    }

    static FloatVector load(float[] a, int i) {
        return FloatVector.fromArray(S, a, i);
    }

    static void store(FloatVector v, float[] a, int i) {
        v.intoArray(a, i);
    }

    static FloatVector broadcast(float x) {
        return FloatVector.broadcast(S, x);
    }

    static FloatVector neg(FloatVector v) {
        return v.neg();
    }

    static FloatVector abs(FloatVector v) {
        return v.abs();
    }

    static FloatVector sqrt(FloatVector v) {
        return v.sqrt();
    }

    static FloatVector relu(FloatVector v) {
        return v.max(0f);
    }

    static FloatVector add(FloatVector a, FloatVector b) {
        return a.add(b);
    }

    static FloatVector sub(FloatVector a, FloatVector b) {
        return a.sub(b);
    }

    static FloatVector mul(FloatVector a, FloatVector b) {
        return a.mul(b);
    }

    static FloatVector div(FloatVector a, FloatVector b) {
        return a.div(b);
    }

    static FloatVector maximum(FloatVector a, FloatVector b) {
        return a.max(b);
    }

    static FloatVector minimum(FloatVector a, FloatVector b) {
        return a.min(b);
    }

    /** g where x &gt; 0, else 0 (NaN x gives 0), as {@code ElementwiseVec.reluBackward}. */
    static FloatVector reluBackward(FloatVector x, FloatVector g) {
        return ZERO.blend(g, x.compare(VectorOperators.GT, 0f));
    }

    /** For the interpreter: op applied to a (and b). */
    static FloatVector apply(ElementwiseChain.Op op, FloatVector a, FloatVector b) {
        return switch (op) {
            case NEG -> neg(a);
            case ABS -> abs(a);
            case SQRT -> sqrt(a);
            case RELU -> relu(a);
            case ADD -> add(a, b);
            case SUB -> sub(a, b);
            case MUL -> mul(a, b);
            case DIV -> div(a, b);
            case MAXIMUM -> maximum(a, b);
            case MINIMUM -> minimum(a, b);
            case RELU_BACKWARD -> reluBackward(a, b);
        };
    }
}
