package dev.jgrad.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Optimizer state dicts, step counting, argument checks, and gradient clipping. */
class OptimizerStateTest {
    private static List<Tensor> params(long seed) {
        Generator g = new Generator(seed);
        return List.of(Tensor.randn(g, 3, 2).to(DType.FLOAT64).requiresGrad(true), Tensor.randn(g, 4).to(DType.FLOAT64).requiresGrad(true));
    }

    /** The gradients of step s: a fixed function of s, so two runs see the same ones. */
    private static void setGrads(List<Tensor> ps, int s) {
        Generator g = new Generator(1000 + s);
        for (Tensor p : ps) p.setGrad(Tensor.randn(g, p.shape()).to(DType.FLOAT64));
    }

    private static void run(Optimizer opt, int from, int to) {
        for (int s = from; s < to; s++) {
            setGrads(opt.parameters(), s);
            opt.step();
        }
    }

    private static List<double[]> values(List<Tensor> ps) {
        List<double[]> out = new ArrayList<>();
        for (Tensor p : ps) out.add(p.toDoubleArray());
        return out;
    }

    private static final Map<String, Function<List<Tensor>, Optimizer>> ALL = new LinkedHashMap<>();

    static {
        ALL.put("SGD", ps -> new SGD(ps, 0.05, 0.9, true, 0.01));
        ALL.put("Adam", ps -> new Adam(ps, 0.01, 0.9, 0.999, 1e-8, 0.01, true));
        ALL.put("AdamW", ps -> new AdamW(ps, 0.01));
        ALL.put("Adagrad", ps -> new Adagrad(ps, 0.1, 0.01, 0, 0.1, 1e-10));
        ALL.put("Adadelta", ps -> new Adadelta(ps, 1.0));
        ALL.put("RMSprop", ps -> new RMSprop(ps, 0.01, 0.9, 1e-8, 0, 0.5, true));
    }

    @Test
    void stateDictRoundTripContinuesTheSameTrajectory() {
        for (var e : ALL.entrySet()) {
            Optimizer a = e.getValue().apply(params(7));
            run(a, 0, 3);
            a.setLearningRate(a.learningRate() * 0.5);
            Map<String, Tensor> saved = new LinkedHashMap<>();
            a.stateDict().forEach((k, v) -> saved.put(k, v.clone()));

            List<Tensor> copies = new ArrayList<>();
            for (Tensor p : a.parameters()) copies.add(p.detach().clone().requiresGrad(true));
            Optimizer b = e.getValue().apply(copies);
            b.loadStateDict(saved);
            assertEquals(a.learningRate(), b.learningRate(), e.getKey());
            assertEquals(3, b.steps(), e.getKey());
            run(a, 3, 6);
            run(b, 3, 6);
            List<double[]> va = values(a.parameters()), vb = values(b.parameters());
            for (int j = 0; j < va.size(); j++) assertArrayEquals(va.get(j), vb.get(j), e.getKey() + " parameter " + j);

            Optimizer fresh = e.getValue().apply(params(7));   // without the state the trajectory differs
            run(fresh, 3, 6);
            assertTrue(!java.util.Arrays.equals(values(fresh.parameters()).get(0), va.get(0)), e.getKey());
        }
    }

    @Test
    void stateDictKeys() {
        Optimizer adam = new Adam(params(1), 0.01, 0.9, 0.999, 1e-8, 0, true);
        assertEquals(List.of("lr", "step"), List.copyOf(adam.stateDict().keySet()), "nothing per parameter before the first step");
        List<Tensor> ps = adam.parameters();
        ps.get(0).setGrad(Tensor.onesLike(ps.get(0)));
        adam.step();   // parameter 1 has no gradient: it gets no state
        Map<String, Tensor> sd = adam.stateDict();
        assertEquals(List.of("lr", "step", "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq", "state.0.step"),
                List.copyOf(sd.keySet()));
        assertEquals(DType.FLOAT64, sd.get("lr").dtype());
        assertEquals(0.01, sd.get("lr").item());
        assertEquals(1, sd.get("step").itemLong());
        assertEquals(DType.INT64, sd.get("state.0.step").dtype());
        assertArrayEquals(new int[] {3, 2}, sd.get("state.0.exp_avg").shape());

        Optimizer sgd = new SGD(params(1), 0.1, 0.9, false, 0);
        run(sgd, 0, 2);
        assertEquals(List.of("lr", "step", "state.0.momentum_buffer", "state.0.step", "state.1.momentum_buffer", "state.1.step"),
                List.copyOf(sgd.stateDict().keySet()));
    }

    @Test
    void loadStateDictRejectsMalformedDicts() {
        Optimizer a = new Adam(params(3), 0.01);
        run(a, 0, 1);
        Map<String, Tensor> good = a.stateDict();

        Map<String, Tensor> noLr = new LinkedHashMap<>(good);
        noLr.remove("lr");
        IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class, () -> new Adam(params(3), 0.01).loadStateDict(noLr));
        assertTrue(e1.getMessage().contains("\"lr\""), e1.getMessage());

        Map<String, Tensor> outOfRange = new LinkedHashMap<>(good);
        outOfRange.put("state.5.exp_avg", Tensor.zeros(2));
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> new Adam(params(3), 0.01).loadStateDict(outOfRange));
        assertTrue(e2.getMessage().contains("state.5.exp_avg") && e2.getMessage().contains("2"), e2.getMessage());

        Map<String, Tensor> badShape = new LinkedHashMap<>(good);
        badShape.put("state.1.exp_avg", Tensor.zeros(5));
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class, () -> new Adam(params(3), 0.01).loadStateDict(badShape));
        assertTrue(e3.getMessage().contains("state.1.exp_avg") && e3.getMessage().contains("[5]") && e3.getMessage().contains("[4]"),
                e3.getMessage());

        Map<String, Tensor> badIndex = new LinkedHashMap<>(good);
        badIndex.put("state.x.exp_avg", Tensor.zeros(4));
        IllegalArgumentException e4 = assertThrows(IllegalArgumentException.class, () -> new Adam(params(3), 0.01).loadStateDict(badIndex));
        assertTrue(e4.getMessage().contains("state.x.exp_avg"), e4.getMessage());
    }

    @Test
    void loadStateDictRefusesStateOfAnotherShapeOrAnotherOptimizer() {
        Adam a = new Adam(params(3), 0.01);
        run(a, 0, 1);
        Map<String, Tensor> good = a.stateDict();

        // a one-element exp_avg used to load and broadcast over the [3, 2] parameter
        Map<String, Tensor> oneElement = new LinkedHashMap<>(good);
        oneElement.put("state.0.exp_avg", Tensor.zeros(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Adam(params(3), 0.01).loadStateDict(oneElement));
        assertTrue(e.getMessage().contains("Adam.loadStateDict") && e.getMessage().contains("\"state.0.exp_avg\" has shape [1]")
                && e.getMessage().contains("[3, 2]"), e.getMessage());
        Map<String, Tensor> scalar = new LinkedHashMap<>(good);
        scalar.put("state.1.exp_avg_sq", Tensor.scalar(0.5));
        assertThrows(IllegalArgumentException.class, () -> new Adam(params(3), 0.01).loadStateDict(scalar));
        Map<String, Tensor> badStep = new LinkedHashMap<>(good);
        badStep.put("state.0.step", Tensor.zeros(DType.INT64, 3, 2));
        IllegalArgumentException step = assertThrows(IllegalArgumentException.class, () -> new Adam(params(3), 0.01).loadStateDict(badStep));
        assertTrue(step.getMessage().contains("\"state.0.step\"") && step.getMessage().contains("one element"), step.getMessage());

        // SGD's momentum buffers used to load into Adam as extra, unused state
        SGD sgd = new SGD(params(3), 0.1, 0.9, false, 0);
        run(sgd, 0, 1);
        Adam target = new Adam(params(3), 0.01);
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> target.loadStateDict(sgd.stateDict()));
        assertTrue(other.getMessage().contains("\"state.0.momentum_buffer\"") && other.getMessage().contains("Adam")
                && other.getMessage().contains("exp_avg"), other.getMessage());
        assertEquals(0, target.steps(), "a refused dict changes nothing");
        assertEquals(List.of("lr", "step"), List.copyOf(target.stateDict().keySet()));
    }

    @Test
    void stepsCountCallsAndSkipParametersWithoutGradients() {
        List<Tensor> ps = params(5);
        double[] before = ps.get(1).toDoubleArray();
        Optimizer opt = new SGD(ps, 0.1);
        ps.get(0).setGrad(Tensor.onesLike(ps.get(0)));
        opt.step();
        opt.step();
        assertEquals(2, opt.steps());
        assertArrayEquals(before, ps.get(1).toDoubleArray(), "no gradient, no update");
        opt.zeroGrad();
        for (Tensor p : ps) assertEquals(null, p.grad());
        assertTrue(ps.get(0).requiresGrad() && ps.get(0).isLeaf(), "updates happen outside the graph");
    }

    @Test
    void constructorsValidateArguments() {
        List<Tensor> ps = params(1);
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(), 0.1));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(Tensor.zeros(2)), 0.1), "parameters must require grad");
        assertThrows(IllegalArgumentException.class, () -> new SGD(ps, -1));
        assertThrows(IllegalArgumentException.class, () -> new SGD(ps, Double.NaN));
        IllegalArgumentException nesterov = assertThrows(IllegalArgumentException.class, () -> new SGD(ps, 0.1, 0, 0, true, 0));
        assertTrue(nesterov.getMessage().contains("Nesterov"), nesterov.getMessage());
        IllegalArgumentException beta = assertThrows(IllegalArgumentException.class, () -> new Adam(ps, 0.1, 1.0, 0.999, 1e-8, 0, false));
        assertTrue(beta.getMessage().contains("beta1") && beta.getMessage().contains("1.0"), beta.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RMSprop(ps, 0.1, 0.99, 1e-8, -0.1, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new Adadelta(ps, 1.0, 1.5, 1e-6, 0));
        assertThrows(IllegalArgumentException.class, () -> new Adagrad(ps, 0.1, -1, 0, 0, 1e-10));
        assertThrows(IllegalArgumentException.class, () -> LRScheduler.step(new SGD(ps, 0.1), 0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new ReduceLROnPlateau(new SGD(ps, 0.1), true, 1.5, 1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ReduceLROnPlateau(new SGD(ps, 0.1)).step(Double.NaN));
    }

    // ---------------------------------------------------------------------------------------------
    // Clip
    // ---------------------------------------------------------------------------------------------

    private static List<Tensor> withGrads(double[]... grads) {
        List<Tensor> ps = new ArrayList<>();
        for (double[] g : grads) {
            Tensor p = Tensor.zeros(DType.FLOAT64, g.length).requiresGrad(true);
            p.setGrad(Tensor.of(g, g.length));
            ps.add(p);
        }
        return ps;
    }

    @Test
    void gradNormScalesAllGradientsTogether() {
        List<Tensor> ps = withGrads(new double[] {3, -4}, new double[] {12});
        ps.add(Tensor.zeros(DType.FLOAT64, 2).requiresGrad(true));   // no gradient: ignored
        double norm = Clip.gradNorm(ps, 6.5);
        assertEquals(13, norm, 1e-12);
        double scale = 6.5 / (13 + 1e-6);
        assertArrayEquals(new double[] {3 * scale, -4 * scale}, ps.get(0).grad().toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {12 * scale}, ps.get(1).grad().toDoubleArray(), 1e-12);
        assertEquals(null, ps.get(2).grad());

        List<Tensor> small = withGrads(new double[] {3, -4}, new double[] {12});
        assertEquals(13, Clip.gradNorm(small, 20), 1e-12);
        assertArrayEquals(new double[] {3, -4}, small.get(0).grad().toDoubleArray(), "below the limit nothing changes");
    }

    @Test
    void gradNormOtherNorms() {
        List<Tensor> inf = withGrads(new double[] {3, -4}, new double[] {-12});
        assertEquals(12, Clip.gradNorm(inf, 6, Double.POSITIVE_INFINITY), 1e-12);
        assertArrayEquals(new double[] {-12 * 6 / (12 + 1e-6)}, inf.get(1).grad().toDoubleArray(), 1e-12);
        List<Tensor> l1 = withGrads(new double[] {3, -4}, new double[] {12});
        assertEquals(19, Clip.gradNorm(l1, 100, 1), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Clip.gradNorm(l1, -1));
        assertThrows(IllegalArgumentException.class, () -> Clip.gradNorm(l1, 1, 0));
    }

    @Test
    void gradValueClampsEachElement() {
        List<Tensor> ps = withGrads(new double[] {0.5, -3, 2}, new double[] {-0.2});
        Clip.gradValue(ps, 1);
        assertArrayEquals(new double[] {0.5, -1, 1}, ps.get(0).grad().toDoubleArray());
        assertArrayEquals(new double[] {-0.2}, ps.get(1).grad().toDoubleArray());
        assertThrows(IllegalArgumentException.class, () -> Clip.gradValue(ps, -1));
    }
}
