package dev.jgrad.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.nn.Activation;
import dev.jgrad.nn.BadInput;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.Sequential;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * GradScaler: PyTorch's scale rule, skipped steps that leave the optimizer untouched, unscaling
 * before clipping, float16 training that only works with scaling, float32 trajectories unchanged
 * by it, its state dict and every refused argument.
 *
 * <p>There is no PyTorch fixture: torch 1.13's GradScaler runs on CUDA only. The expected scales
 * come instead from PyTorch's documented rule ({@code torch.cuda.amp.GradScaler.update}, the
 * {@code _amp_update_scale_} kernel), written out in {@link #pytorchRule}.
 */
class GradScalerTest {
    // ---------------------------------------------------------------------------------------------
    // helpers

    /** One parameter of two elements under plain SGD: gradients are set by hand. */
    private static Tensor param() {
        return Tensor.of(new float[] {1, -1}).requiresGrad(true);
    }

    /** A step whose gradient is finite (F), +inf (I), −inf (M) or NaN (N), through {@code scaler}; returns whether it stepped. */
    private static boolean step(GradScaler scaler, Optimizer opt, char kind) {
        float bad = switch (kind) {
            case 'F' -> 3;
            case 'I' -> Float.POSITIVE_INFINITY;
            case 'M' -> Float.NEGATIVE_INFINITY;
            case 'N' -> Float.NaN;
            default -> throw new AssertionError(kind);
        };
        opt.parameters().get(0).setGrad(Tensor.of(new float[] {2, bad}));
        boolean stepped = scaler.step(opt);
        scaler.update();
        return stepped;
    }

    /**
     * PyTorch's update rule, as documented and as {@code _amp_update_scale_} computes it, in float32:
     * {scale, tracker} after a step with or without an inf/NaN gradient.
     */
    private static float[] pytorchRule(float scale, int tracker, boolean foundInf, double growth, double backoff, int interval) {
        if (foundInf) return new float[] {(float) (scale * backoff), 0};
        if (tracker + 1 == interval) {
            float grown = (float) (scale * growth);
            return new float[] {Float.isFinite(grown) ? grown : scale, 0};
        }
        return new float[] {scale, tracker + 1};
    }

    private static int[] bits(Tensor t) {
        if (t.dtype().isHalf()) {
            short[] s = t.toHalfBits();
            int[] out = new int[s.length];
            for (int i = 0; i < s.length; i++) out[i] = s[i];
            return out;
        }
        float[] v = t.cpu().to(DType.FLOAT32).toFloatArray();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Float.floatToRawIntBits(v[i]);
        return out;
    }

    private static List<int[]> bits(List<Tensor> ts) {
        List<int[]> out = new ArrayList<>();
        for (Tensor t : ts) out.add(bits(t));
        return out;
    }

    private static Map<String, int[]> bits(Map<String, Tensor> dict) {
        Map<String, int[]> out = new LinkedHashMap<>();
        dict.forEach((k, v) -> out.put(k, v.dtype() == DType.INT64 ? new int[] {(int) v.itemLong()} : bits(v)));
        return out;
    }

    private static void assertSameBits(List<int[]> expected, List<int[]> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int i = 0; i < expected.size(); i++) assertArrayEquals(expected.get(i), actual.get(i), what + " " + i);
    }

    private static void assertSameBits(Map<String, int[]> expected, Map<String, int[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        for (String k : expected.keySet()) assertArrayEquals(expected.get(k), actual.get(k), what + " " + k);
    }

    /** A small float32 classifier, the same weights for the same seed. */
    private static Module mlp(long seed) {
        Tensor.manualSeed(seed);
        return new Sequential(new Linear(6, 16), Activation.tanh(), new Linear(16, 3));
    }

    private static final Generator DATA = new Generator(3);
    private static final Tensor X = Tensor.randn(DATA, 32, 6);
    private static final Tensor Y = Tensor.randint(DATA, 0, 3, 32);

    // ---------------------------------------------------------------------------------------------
    // the scale rule

    @Test
    void defaultsArePyTorchs() {
        GradScaler s = new GradScaler();
        assertEquals(65536.0, s.getScale());
        assertEquals(2.0, s.getGrowthFactor());
        assertEquals(0.5, s.getBackoffFactor());
        assertEquals(2000, s.getGrowthInterval());
        assertTrue(s.isEnabled());
        assertEquals(0L, s.stateDict().get("_growth_tracker").itemLong());
    }

    @Test
    void theScaleGrowsAfterIntervalFiniteStepsAndBacksOffOnInfAndNaN() {
        GradScaler scaler = new GradScaler(8, 2, 0.5, 3, true);
        Optimizer opt = new SGD(List.of(param()), 0.1);
        // literal values first: three finite steps double the scale, an inf or NaN halves it and restarts the count
        String pattern = "FFFFFFIFFNFFFMFFFF";
        double[] expected = {8, 8, 16, 16, 16, 32, 16, 16, 16, 8, 8, 8, 16, 8, 8, 8, 16, 16};
        double[] seen = new double[pattern.length()];
        for (int i = 0; i < pattern.length(); i++) {
            boolean stepped = step(scaler, opt, pattern.charAt(i));
            assertEquals(pattern.charAt(i) == 'F', stepped, "step " + i);
            seen[i] = scaler.getScale();
        }
        assertArrayEquals(expected, seen);
        assertEquals(15, opt.steps(), "skipped steps do not count");

        // and a long random pattern with a factor that is not a power of two, against the rule written out
        GradScaler odd = new GradScaler(1000, 3, 0.25, 4, true);
        Optimizer opt2 = new SGD(List.of(param()), 0.1);
        java.util.Random rnd = new java.util.Random(5);
        float scale = 1000;
        int tracker = 0;
        for (int i = 0; i < 300; i++) {
            char kind = rnd.nextInt(7) == 0 ? "IMN".charAt(rnd.nextInt(3)) : 'F';
            step(odd, opt2, kind);
            float[] next = pytorchRule(scale, tracker, kind != 'F', 3, 0.25, 4);
            scale = next[0];
            tracker = (int) next[1];
            assertEquals(scale, odd.getScale(), "step " + i);
            assertEquals(tracker, odd.stateDict().get("_growth_tracker").itemLong(), "step " + i);
        }
    }

    @Test
    void aGrowthThatWouldOverflowFloat32KeepsTheScaleAndResetsTheCount() {
        GradScaler scaler = new GradScaler(0x1p127, 2, 0.5, 2, true);
        Optimizer opt = new SGD(List.of(param()), 0.1);
        step(scaler, opt, 'F');
        step(scaler, opt, 'F');
        assertEquals(0x1p127, scaler.getScale());
        assertEquals(0L, scaler.stateDict().get("_growth_tracker").itemLong());
        step(scaler, opt, 'F');
        assertEquals(1L, scaler.stateDict().get("_growth_tracker").itemLong());
    }

    @Test
    void updateWithANewScaleSetsItAndKeepsTheCount() {
        GradScaler scaler = new GradScaler(8, 2, 0.5, 3, true);
        Optimizer opt = new SGD(List.of(param()), 0.1);
        step(scaler, opt, 'F');
        scaler.step(opt);
        scaler.update(3.0);
        assertEquals(3.0, scaler.getScale());
        assertEquals(1L, scaler.stateDict().get("_growth_tracker").itemLong(), "as PyTorch: update(new_scale) leaves the tracker");
        scaler.step(opt);   // the iteration was closed: stepping again is allowed
        scaler.update();
        assertEquals(2L, scaler.stateDict().get("_growth_tracker").itemLong());
        scaler.update(0.1);   // rounded to float32, as the scale is kept
        assertEquals((double) 0.1f, scaler.getScale());
    }

    // ---------------------------------------------------------------------------------------------
    // skipped steps

    @Test
    void aSkippedStepLeavesParametersAndAdamStateBitIdentical() {
        for (char kind : new char[] {'I', 'M', 'N'}) {
            Module model = mlp(4);
            Adam opt = new Adam(model.parameters(), 0.01, 0.9, 0.999, 1e-8, 0.01, false);
            GradScaler scaler = new GradScaler(1024, 2, 0.5, 2000, true);
            for (int i = 0; i < 2; i++) {
                scaler.scale(Losses.crossEntropy(model.call(X), Y)).backward();
                assertTrue(scaler.step(opt));
                scaler.update();
                opt.zeroGrad();
            }
            List<int[]> params = bits(model.parameters());
            Map<String, int[]> state = bits(opt.stateDict());
            assertEquals(2, opt.steps());

            scaler.scale(Losses.crossEntropy(model.call(X), Y)).backward();
            Tensor g = model.parameters().get(2).grad();   // one element of the second layer's weight goes bad
            float[] v = g.toFloatArray();
            v[5] = kind == 'I' ? Float.POSITIVE_INFINITY : kind == 'M' ? Float.NEGATIVE_INFINITY : Float.NaN;
            model.parameters().get(2).setGrad(Tensor.of(v, g.shape()));
            assertFalse(scaler.step(opt), "kind " + kind);
            scaler.update();
            assertEquals(512.0, scaler.getScale(), "backed off, kind " + kind);
            assertEquals(0L, scaler.stateDict().get("_growth_tracker").itemLong());
            assertSameBits(params, bits(model.parameters()), "parameters after a skipped step, kind " + kind);
            assertSameBits(state, bits(opt.stateDict()), "Adam state after a skipped step, kind " + kind);
            assertEquals(2, opt.steps(), "a skipped step does not count");
            assertEquals(2L, opt.stateDict().get("state.0.step").itemLong(), "nor does it count for a parameter");
            opt.zeroGrad();

            // the next finite step is Adam's third, as if the skipped one never happened
            scaler.scale(Losses.crossEntropy(model.call(X), Y)).backward();
            assertTrue(scaler.step(opt));
            scaler.update();
            assertEquals(3L, opt.stateDict().get("state.0.step").itemLong());
        }
    }

    @Test
    void aScaledLossThatOverflowsFloat32IsSkippedAndTheScaleBacksOffUntilItFits() {
        Module model = mlp(4);
        SGD opt = new SGD(model.parameters(), 0.1);
        GradScaler scaler = new GradScaler(0x1p127, 2, 0.5, 2000, true);
        List<int[]> before = bits(model.parameters());
        int skipped = 0;
        for (int i = 0; i < 200; i++) {
            // weighted by 16: the scaled gradient 16 · 2^127 overflows at the first node of the backward pass
            Tensor loss = Losses.crossEntropy(model.call(X), Y).mul(16);
            scaler.scale(loss).backward();
            boolean stepped = scaler.step(opt);
            scaler.update();
            opt.zeroGrad();
            if (stepped) break;
            skipped++;
            assertSameBits(before, bits(model.parameters()), "while skipping");
        }
        assertTrue(skipped >= 1, "skipped " + skipped);
        assertEquals(0x1p127 / Math.pow(2, skipped), scaler.getScale());
        assertEquals(1, opt.steps());
    }

    @Test
    void twoOptimizersOnOneScalerSkipOnlyTheOneWithAnInfAndBackOffOnce() {
        Optimizer a = new SGD(List.of(param()), 0.1), b = new SGD(List.of(param()), 0.1);
        GradScaler scaler = new GradScaler(8, 2, 0.5, 3, true);
        a.parameters().get(0).setGrad(Tensor.of(new float[] {8, Float.POSITIVE_INFINITY}));
        b.parameters().get(0).setGrad(Tensor.of(new float[] {8, 16}));
        assertFalse(scaler.step(a));
        assertTrue(scaler.step(b));
        scaler.update();
        assertEquals(4.0, scaler.getScale());
        assertArrayEquals(new float[] {1, -1}, a.parameters().get(0).toFloatArray());
        assertArrayEquals(new float[] {1 - 0.1f, -1 - 0.2f}, b.parameters().get(0).toFloatArray(), 1e-7f);
    }

    // ---------------------------------------------------------------------------------------------
    // unscaling

    @Test
    void unscaleDividesTheGradientsOnceAndStepDoesNotDivideAgain() {
        Tensor p = param();
        SGD opt = new SGD(List.of(p), 1);
        GradScaler scaler = new GradScaler(4, 2, 0.5, 100, true);
        p.setGrad(Tensor.of(new float[] {8, -2}));
        scaler.unscale(opt);
        assertArrayEquals(new float[] {2, -0.5f}, p.grad().toFloatArray());
        assertTrue(scaler.step(opt));
        scaler.update();
        assertArrayEquals(new float[] {2, -0.5f}, p.grad().toFloatArray());
        assertArrayEquals(new float[] {-1, -0.5f}, p.toFloatArray());
    }

    @Test
    void unscalingBeforeClippingGivesTheRunWithoutScaling() {
        for (boolean adam : new boolean[] {false, true}) {
            Module plain = mlp(8), scaled = mlp(8);
            Function<Module, Optimizer> make = m -> adam ? new Adam(m.parameters(), 0.01) : new SGD(m.parameters(), 0.1, 0.9, false, 0);
            Optimizer po = make.apply(plain), so = make.apply(scaled);
            GradScaler scaler = new GradScaler();
            double[] plainNorms = new double[6], scaledNorms = new double[6];
            for (int i = 0; i < 6; i++) {
                Losses.crossEntropy(plain.call(X), Y).backward();
                plainNorms[i] = Clip.gradNorm(plain.parameters(), 0.05);
                po.step();
                po.zeroGrad();

                scaler.scale(Losses.crossEntropy(scaled.call(X), Y)).backward();
                scaler.unscale(so);
                scaledNorms[i] = Clip.gradNorm(scaled.parameters(), 0.05);
                assertTrue(scaler.step(so));
                scaler.update();
                so.zeroGrad();
            }
            assertTrue(plainNorms[0] > 0.05, "the clip is active: norm " + plainNorms[0]);
            // 2^16 scales exactly: the clipped gradients, hence the trajectories, are the same bits
            assertArrayEquals(plainNorms, scaledNorms, (adam ? "Adam" : "SGD") + " norms");
            assertSameBits(bits(plain.parameters()), bits(scaled.parameters()), adam ? "Adam" : "SGD");
        }
    }

    @Test
    void float32TrajectoriesWithTheScalerEqualThoseWithout() {
        Map<String, Function<Module, Optimizer>> optimizers = new LinkedHashMap<>();
        optimizers.put("SGD", m -> new SGD(m.parameters(), 0.1, 0.9, true, 1e-3));
        optimizers.put("Adam", m -> new Adam(m.parameters(), 0.01, 0.9, 0.999, 1e-8, 1e-3, false));
        optimizers.put("AMSGrad", m -> new Adam(m.parameters(), 0.01, 0.9, 0.999, 1e-8, 0, true));
        for (var e : optimizers.entrySet()) {
            Module plain = mlp(21), scaled = mlp(21);
            Optimizer po = e.getValue().apply(plain), so = e.getValue().apply(scaled);
            GradScaler scaler = new GradScaler(65536, 2, 0.5, 3, true);   // grows during the run: every power of two is exact
            for (int i = 0; i < 10; i++) {
                Losses.crossEntropy(plain.call(X), Y).backward();
                po.step();
                po.zeroGrad();
                scaler.scale(Losses.crossEntropy(scaled.call(X), Y)).backward();
                assertTrue(scaler.step(so));
                scaler.update();
                so.zeroGrad();
                // within float32 rounding as promised; in fact the same bits, since scaling by 2^k commutes with rounding
                assertSameBits(bits(plain.parameters()), bits(scaled.parameters()), e.getKey() + " step " + i);
            }
            assertEquals(65536.0 * 8, scaler.getScale(), "three growths in ten finite steps");
            assertSameBits(bits(po.stateDict()), bits(so.stateDict()), e.getKey() + " state");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // half precision

    @Test
    void halfGradientsAreUnscaledInFloat32AndRoundedOnce() {
        for (DType half : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            // a scale of 3: 1/3 times each gradient in float32, then rounded once to the half type
            float[] g = {1, 2, 5, -7, 1000};
            Tensor p = Tensor.zeros(5).to(half).requiresGrad(true);
            GradScaler scaler = new GradScaler(3, 2, 0.5, 10, true);
            p.setGrad(Tensor.of(g).to(half));
            scaler.unscale(new SGD(List.of(p), 0.1));
            assertEquals(half, p.grad().dtype());
            float third = (float) (1.0 / 3);
            float[] expected = new float[g.length];
            for (int i = 0; i < g.length; i++) {
                float gi = Tensor.of(new float[] {g[i]}).to(half).toFloatArray()[0];
                expected[i] = Tensor.of(new float[] {gi * third}).to(half).toFloatArray()[0];
            }
            assertArrayEquals(expected, p.grad().toFloatArray(), half.toString());
        }
        // 2^25: its inverse is below float16's smallest subnormal, yet 49152 · 2^-25 = 1.5 · 2^-10 is a float16
        Tensor p = Tensor.zeros(1).to(DType.FLOAT16).requiresGrad(true);
        p.setGrad(Tensor.of(new float[] {49152}).to(DType.FLOAT16));
        new GradScaler(0x1p25, 2, 0.5, 10, true).unscale(new SGD(List.of(p), 0.1));
        assertEquals(0x1.8p-10f, p.grad().toFloatArray()[0]);
        // a scale below 1: 2^20 does not fit float16 either, 2^-22 · 2^20 = 0.25 does
        p.setGrad(Tensor.of(new float[] {0x1p-22f}).to(DType.FLOAT16));
        new GradScaler(0x1p-20, 2, 0.5, 10, true).unscale(new SGD(List.of(p), 0.1));
        assertEquals(0.25f, p.grad().toFloatArray()[0]);
    }

    @Test
    void float16ParametersSkipAStepWithAnInfGradientAndStepOtherwise() {
        Tensor p = Tensor.of(new float[] {1, 2, 3}).to(DType.FLOAT16).requiresGrad(true);
        SGD opt = new SGD(List.of(p), 0.5);
        GradScaler scaler = new GradScaler(1024, 2, 0.5, 10, true);
        p.setGrad(Tensor.of(new float[] {1024, Float.POSITIVE_INFINITY, 0}).to(DType.FLOAT16));
        assertFalse(scaler.step(opt));
        scaler.update();
        assertArrayEquals(new float[] {1, 2, 3}, p.toFloatArray());
        assertEquals(512.0, scaler.getScale());
        p.setGrad(Tensor.of(new float[] {512, -1024, 256}).to(DType.FLOAT16));
        assertTrue(scaler.step(opt));
        scaler.update();
        assertArrayEquals(new float[] {0.5f, 3, 2.75f}, p.toFloatArray());
    }

    /**
     * A float16 forward and backward on float32 master weights (what autocast does), with a loss
     * weighted by 2^-18, as a small auxiliary loss is: without scaling every float16 gradient of
     * the prediction, 2·d·2^-18/64 with |d| &lt; 0.25, is below half of float16's smallest
     * subnormal 2^-24 and rounds to 0, so nothing trains. With the scaler the first step's scaled
     * loss overflows (65536 is no float16: it rounds to infinity), that step is skipped and the
     * scale backs off to 2^15, and then the model trains.
     */
    @Test
    void aFloat16ModelWhoseGradientsUnderflowTrainsOnlyWithTheScaler() {
        Generator g = new Generator(11);
        Tensor x32 = Tensor.randn(g, 64, 4);
        Tensor wTrue = Tensor.of(new float[] {0.02f, -0.01f, 0.015f, 0.005f});
        Tensor t32 = x32.matmul(wTrue);
        Tensor x = x32.to(DType.FLOAT16), t = t32.to(DType.FLOAT16);
        Function<Tensor, Tensor> loss = w -> {
            Tensor d = x.matmul(w.to(DType.FLOAT16)).sub(t);
            return d.mul(d).mean().mul(0x1p-18);
        };
        Function<Tensor, Double> error = w -> w.detach().sub(wTrue).square().sum().item();   // in float32

        Tensor w = Tensor.zeros(4).requiresGrad(true);
        Adam opt = new Adam(List.of(w), 2e-3);
        for (int i = 0; i < 20; i++) {
            loss.apply(w).backward();
            for (float gi : w.grad().toFloatArray()) assertEquals(0, gi, 0, "without scaling the gradient underflows to 0");
            opt.step();
            opt.zeroGrad();
        }
        for (float wi : w.toFloatArray()) assertEquals(0, wi, 0, "and the weights never move");

        Tensor v = Tensor.zeros(4).requiresGrad(true);
        Adam opt2 = new Adam(List.of(v), 2e-3);
        GradScaler scaler = new GradScaler();
        double before = error.apply(v);
        List<Boolean> stepped = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Tensor l = loss.apply(v);
            assertEquals(DType.FLOAT16, l.dtype());
            scaler.scale(l).backward();
            stepped.add(scaler.step(opt2));
            scaler.update();
            opt2.zeroGrad();
        }
        assertEquals(false, stepped.get(0), "65536 overflows float16: the first step is skipped");
        assertEquals(59, stepped.stream().filter(s -> s).count());
        assertEquals(32768.0, scaler.getScale());
        double after = error.apply(v);
        assertTrue(after < before / 100, "squared weight error " + before + " -> " + after);
    }

    /** The same body on the GPU: a float32 trajectory unchanged by the scaler, a skipped step, float16 gradients. */
    @Test
    void onCudaTheScalerSkipsAndUnscalesAsOnTheCpu() {
        assumeTrue(Cuda.isAvailable(), () -> "no CUDA device: " + Cuda.unavailableReason());
        Device cuda = Device.cuda();
        Module plain = mlp(21).to(cuda), scaled = mlp(21).to(cuda);
        SGD po = new SGD(plain.parameters(), 0.1, 0.9, false, 0), so = new SGD(scaled.parameters(), 0.1, 0.9, false, 0);
        GradScaler scaler = new GradScaler(65536, 2, 0.5, 3, true);
        Tensor x = X.to(cuda), y = Y.to(cuda);
        for (int i = 0; i < 6; i++) {
            Losses.crossEntropy(plain.call(x), y).backward();
            po.step();
            po.zeroGrad();
            scaler.scale(Losses.crossEntropy(scaled.call(x), y)).backward();
            assertTrue(scaler.step(so));
            scaler.update();
            so.zeroGrad();
        }
        assertEquals(65536.0 * 4, scaler.getScale());
        for (int j = 0; j < plain.parameters().size(); j++) {
            // within rounding: device reductions need not give the same bits run to run
            assertArrayEquals(plain.parameters().get(j).cpu().toFloatArray(), scaled.parameters().get(j).cpu().toFloatArray(), 1e-5f, "parameter " + j);
        }

        List<int[]> params = bits(scaled.parameters());
        Map<String, int[]> state = bits(so.stateDict());
        scaler.scale(Losses.crossEntropy(scaled.call(x), y)).backward();
        Tensor p = scaled.parameters().get(2), g = p.grad();
        float[] v = g.cpu().toFloatArray();
        v[5] = Float.NaN;
        p.setGrad(Tensor.of(v, g.shape()).to(cuda));
        assertFalse(scaler.step(so));
        scaler.update();
        assertEquals(65536.0 * 2, scaler.getScale());
        assertSameBits(params, bits(scaled.parameters()), "parameters after a skipped step");
        assertSameBits(state, bits(so.stateDict()), "SGD state after a skipped step");
        so.zeroGrad();

        Tensor h = Tensor.of(new float[] {1, 2, 3}).to(DType.FLOAT16).to(cuda).requiresGrad(true);
        SGD ho = new SGD(List.of(h), 0.5);
        GradScaler hs = new GradScaler(0x1p25, 2, 0.5, 10, true);
        h.setGrad(Tensor.of(new float[] {49152, 0, 0}).to(DType.FLOAT16).to(cuda));
        assertTrue(hs.step(ho));
        hs.update();
        assertArrayEquals(new float[] {0x1.8p-10f, 0, 0}, h.grad().cpu().toFloatArray());
        h.setGrad(Tensor.of(new float[] {1, Float.POSITIVE_INFINITY, 0}).to(DType.FLOAT16).to(cuda));
        float[] before = h.cpu().toFloatArray();
        assertFalse(hs.step(ho));
        hs.update();
        assertArrayEquals(before, h.cpu().toFloatArray());
    }

    // ---------------------------------------------------------------------------------------------
    // state dict, disabled, bad input

    @Test
    void stateDictRoundTripContinuesTheSameScaleSequence() {
        GradScaler a = new GradScaler(1024, 4, 0.25, 3, true);
        Optimizer oa = new SGD(List.of(param()), 0.1);
        for (char c : "FFFIF".toCharArray()) step(a, oa, c);
        Map<String, Tensor> saved = a.stateDict();
        assertEquals(List.of("scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"), List.copyOf(saved.keySet()));
        assertEquals(1024.0, saved.get("scale").item());   // 1024·4·0.25
        assertEquals(4.0, saved.get("growth_factor").item());
        assertEquals(0.25, saved.get("backoff_factor").item());
        assertEquals(3L, saved.get("growth_interval").itemLong());
        assertEquals(1L, saved.get("_growth_tracker").itemLong());

        GradScaler b = new GradScaler();
        b.loadStateDict(saved);
        assertEquals(1024.0, b.getScale());
        assertEquals(4.0, b.getGrowthFactor());
        assertEquals(0.25, b.getBackoffFactor());
        assertEquals(3, b.getGrowthInterval());
        Optimizer ob = new SGD(List.of(param()), 0.1);
        for (char c : "FFNFFFFF".toCharArray()) {
            step(a, oa, c);
            step(b, ob, c);
            assertEquals(a.getScale(), b.getScale());
        }
        assertEquals(a.stateDict().get("_growth_tracker").itemLong(), b.stateDict().get("_growth_tracker").itemLong());

        // a scale backed off to 0 (about 150 non-finite steps in a row) is a state the scaler can reach: it loads
        Map<String, Tensor> zero = new LinkedHashMap<>(saved);
        zero.put("scale", Tensor.scalar(0, DType.FLOAT64));
        b.loadStateDict(zero);
        assertEquals(0.0, b.getScale());
    }

    @Test
    void aBadStateDictIsRefusedAndChangesNothing() {
        GradScaler s = new GradScaler(256, 2, 0.5, 7, true);
        Map<String, Tensor> good = new GradScaler(8, 3, 0.25, 5, true).stateDict();
        BadInput.fails(() -> s.loadStateDict(null), "GradScaler.loadStateDict", "null");
        BadInput.fails(() -> s.loadStateDict(Map.of()), "empty", "disabled");
        Map<String, Tensor> missing = new LinkedHashMap<>(good);
        missing.remove("_growth_tracker");
        BadInput.fails(() -> s.loadStateDict(missing), "expected the keys", "_growth_tracker");
        Map<String, Tensor> extra = new LinkedHashMap<>(good);
        extra.put("lr", Tensor.scalar(1.0));
        BadInput.fails(() -> s.loadStateDict(extra), "expected the keys", "lr");
        Object[][] bad = {
            {"scale", -1.0, "scale must be a finite number >= 0"}, {"scale", Double.NaN, "scale"}, {"scale", 1e39, "float32"},
            {"growth_factor", 1.0, "growth_factor must be a finite number > 1"}, {"growth_factor", Double.POSITIVE_INFINITY, "growth_factor"},
            {"backoff_factor", 1.0, "backoff_factor must be in (0, 1)"}, {"backoff_factor", 0.0, "backoff_factor"},
            {"growth_interval", 0.0, "growth_interval must be in [1, 2^31)"}, {"growth_interval", 2.5, "whole number"},
            {"_growth_tracker", 5.0, "_growth_tracker must be in [0, growth_interval = 5)"}, {"_growth_tracker", -1.0, "_growth_tracker"},
        };
        for (Object[] b : bad) {
            Map<String, Tensor> d = new LinkedHashMap<>(good);
            d.put((String) b[0], Tensor.scalar((Double) b[1], DType.FLOAT64));
            BadInput.fails(() -> s.loadStateDict(d), (String) b[2]);
        }
        Map<String, Tensor> shaped = new LinkedHashMap<>(good);
        shaped.put("scale", Tensor.of(new double[] {1, 2}));
        BadInput.fails(() -> s.loadStateDict(shaped), "\"scale\" must hold one element");
        assertEquals(256.0, s.getScale());
        assertEquals(2.0, s.getGrowthFactor());
        assertEquals(0.5, s.getBackoffFactor());
        assertEquals(7, s.getGrowthInterval());
    }

    @Test
    void aDisabledScalerPassesEverythingThrough() {
        GradScaler off = new GradScaler(65536, 2, 0.5, 2000, false);
        assertFalse(off.isEnabled());
        Tensor loss = Tensor.scalar(2.5f);
        assertSame(loss, off.scale(loss));
        assertEquals(1.0, off.getScale());
        Tensor p = param();
        SGD opt = new SGD(List.of(p), 0.5);
        p.setGrad(Tensor.of(new float[] {2, 4}));
        off.unscale(opt);
        off.unscale(opt);   // no state, so no "already unscaled"
        assertArrayEquals(new float[] {2, 4}, p.grad().toFloatArray());
        assertTrue(off.step(opt));
        assertEquals(1, opt.steps());
        assertArrayEquals(new float[] {0, -3}, p.toFloatArray());
        off.update();   // nothing to update, and no error for it
        off.update(8);
        assertEquals(1.0, off.getScale());
        assertTrue(off.stateDict().isEmpty());
        off.loadStateDict(new GradScaler().stateDict());   // ignored, as in PyTorch
        assertEquals(1.0, off.getScale());
        p.setGrad(Tensor.of(new float[] {Float.NaN, 0}));
        assertTrue(off.step(opt), "disabled: no inf check, the optimizer steps");
    }

    @Test
    void everyBadArgumentIsRefusedWithItsNameAndTheValuesAllowed() {
        for (double s : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY, 1e39, 1e-50}) {
            BadInput.fails(() -> new GradScaler(s, 2, 0.5, 2000, true), "GradScaler", "initScale must be a finite number > 0", "float32");
        }
        for (double f : new double[] {1, 0.5, 0, -2, Double.NaN, Double.POSITIVE_INFINITY}) {
            BadInput.fails(() -> new GradScaler(65536, f, 0.5, 2000, true), "GradScaler", "growthFactor must be a finite number > 1");
        }
        for (double f : new double[] {0, 1, 1.5, -0.5, Double.NaN, Double.NEGATIVE_INFINITY}) {
            BadInput.fails(() -> new GradScaler(65536, 2, f, 2000, true), "GradScaler", "backoffFactor must be in (0, 1)");
        }
        for (int n : new int[] {0, -1, Integer.MIN_VALUE}) {
            BadInput.fails(() -> new GradScaler(65536, 2, 0.5, n, true), "GradScaler", "growthInterval must be in [1, 2^31)");
        }
        GradScaler s = new GradScaler();
        BadInput.fails(() -> s.scale(null), "GradScaler.scale", "loss is null");
        BadInput.fails(() -> s.scale(Tensor.of(new long[] {3})), "GradScaler.scale", "floating point", "int64");
        BadInput.fails(() -> s.unscale(null), "GradScaler.unscale", "optimizer is null");
        BadInput.fails(() -> s.step(null), "GradScaler.step", "optimizer is null");
        for (double v : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY, 1e39}) {
            BadInput.fails(() -> s.update(v), "GradScaler.update", "newScale must be a finite number > 0");
        }
        assertEquals(65536.0, s.getScale());
    }

    @Test
    void callsOutOfOrderAreRefused() {
        GradScaler s = new GradScaler();
        Tensor p = param();
        SGD opt = new SGD(List.of(p), 0.1);
        IllegalStateException e = assertThrows(IllegalStateException.class, s::update);
        assertTrue(e.getMessage().contains("call step(optimizer) first"), e.getMessage());

        p.setGrad(Tensor.of(new float[] {65536, 65536}));
        s.unscale(opt);
        e = assertThrows(IllegalStateException.class, () -> s.unscale(opt));
        assertTrue(e.getMessage().contains("already called for this optimizer since the last update()"), e.getMessage());
        assertArrayEquals(new float[] {1, 1}, p.grad().toFloatArray(), "the refused call did not divide again");
        s.step(opt);
        e = assertThrows(IllegalStateException.class, () -> s.step(opt));
        assertTrue(e.getMessage().contains("GradScaler.step: already called"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> s.unscale(opt));
        assertTrue(e.getMessage().contains("called after step()"), e.getMessage());
        assertEquals(1, opt.steps());
        s.update();
        p.setGrad(Tensor.of(new float[] {65536, 65536}));
        assertTrue(s.step(opt), "a new iteration after update()");
        s.update();
    }
}
