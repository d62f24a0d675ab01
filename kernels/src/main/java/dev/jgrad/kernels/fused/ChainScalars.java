package dev.jgrad.kernels.fused;

import dev.jgrad.kernels.BinaryFn;
import dev.jgrad.kernels.UnaryFn;

/**
 * The scalar form of each fusable op, as the eager kernels' scalar loops compute it (the double
 * definition rounded to float; for these ops the same bits as the float operation and as the
 * vector lane): the tail of a fused chain and the whole chain without the Vector API.
 */
final class ChainScalars {
    private ChainScalars() {}

    static float neg(float x) {
        return (float) UnaryFn.NEG.apply(x);
    }

    static float abs(float x) {
        return (float) UnaryFn.ABS.apply(x);
    }

    static float sqrt(float x) {
        return (float) UnaryFn.SQRT.apply(x);
    }

    static float relu(float x) {
        return (float) UnaryFn.RELU.apply(x);
    }

    static float add(float a, float b) {
        return (float) BinaryFn.ADD.apply(a, b);
    }

    static float sub(float a, float b) {
        return (float) BinaryFn.SUB.apply(a, b);
    }

    static float mul(float a, float b) {
        return (float) BinaryFn.MUL.apply(a, b);
    }

    static float div(float a, float b) {
        return (float) BinaryFn.DIV.apply(a, b);
    }

    static float maximum(float a, float b) {
        return (float) BinaryFn.MAXIMUM.apply(a, b);
    }

    static float minimum(float a, float b) {
        return (float) BinaryFn.MINIMUM.apply(a, b);
    }

    /** g where x &gt; 0, else 0, as {@code ReluF32}'s scalar loop. */
    static float reluBackward(float x, float g) {
        return x > 0 ? g : 0f;
    }

    /** For the interpreter: op applied to a (and b). */
    static float apply(ElementwiseChain.Op op, float a, float b) {
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
