package dev.jgrad.kernels.simd;

import dev.jgrad.kernels.Simd;
import dev.jgrad.kernels.typed.OptimF32;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** {@link OptimF32}'s loops with the Vector API (IEEE-exact lane ops only). Loaded only when {@link Simd#enabled()}. */
public final class OptimVec {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private OptimVec() {}

    /** The Adam step over the whole vectors of n elements; returns how many it did. */
    public static int adam(OptimF32.AdamScalars k, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n) {
        int bound = n - n % L;
        FloatVector decay = FloatVector.broadcast(S, k.decay()), wd = FloatVector.broadcast(S, k.wd());
        FloatVector b1 = FloatVector.broadcast(S, k.b1()), c1 = FloatVector.broadcast(S, k.c1());
        FloatVector b2 = FloatVector.broadcast(S, k.b2()), c2 = FloatVector.broadcast(S, k.c2());
        FloatVector sqrtBc2 = FloatVector.broadcast(S, k.sqrtBc2()), eps = FloatVector.broadcast(S, k.eps());
        FloatVector stepSize = FloatVector.broadcast(S, k.stepSize());
        boolean hasDecay = k.hasDecay(), decoupled = k.decoupled();
        for (int i = 0; i < bound; i += L) {
            FloatVector w = FloatVector.fromArray(S, p, pOff + i), gi = FloatVector.fromArray(S, g, gOff + i);
            if (hasDecay) {
                if (decoupled) w = w.mul(decay);
                else gi = gi.add(w.mul(wd));
            }
            FloatVector mi = FloatVector.fromArray(S, m, mOff + i).mul(b1).add(gi.mul(c1));
            FloatVector vi = FloatVector.fromArray(S, v, vOff + i).mul(b2).add(gi.mul(gi).mul(c2));
            mi.intoArray(m, mOff + i);
            vi.intoArray(v, vOff + i);
            FloatVector den = vi.sqrt().div(sqrtBc2).add(eps);
            w.sub(mi.div(den).mul(stepSize)).intoArray(p, pOff + i);
        }
        return bound;
    }

    /** The SGD step over the whole vectors of n elements; returns how many it did. */
    public static int sgd(OptimF32.SgdScalars k, float[] p, int pOff, float[] g, int gOff, float[] buf, int bufOff, int n) {
        int bound = n - n % L;
        FloatVector wd = FloatVector.broadcast(S, k.wd()), momentum = FloatVector.broadcast(S, k.momentum());
        FloatVector damp = FloatVector.broadcast(S, k.damp()), lr = FloatVector.broadcast(S, k.lr());
        boolean hasDecay = k.hasDecay(), hasMomentum = k.hasMomentum(), nesterov = k.nesterov(), first = k.first();
        for (int i = 0; i < bound; i += L) {
            FloatVector w = FloatVector.fromArray(S, p, pOff + i), gi = FloatVector.fromArray(S, g, gOff + i);
            if (hasDecay) gi = gi.add(w.mul(wd));
            if (hasMomentum) {
                FloatVector b = first ? gi : FloatVector.fromArray(S, buf, bufOff + i).mul(momentum).add(gi.mul(damp));
                b.intoArray(buf, bufOff + i);
                gi = nesterov ? gi.add(b.mul(momentum)) : b;
            }
            w.sub(gi.mul(lr)).intoArray(p, pOff + i);
        }
        return bound;
    }
}
