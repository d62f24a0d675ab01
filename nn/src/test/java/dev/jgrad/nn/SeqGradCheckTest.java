package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.autograd.GradCheck;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Central-difference gradient checks (float64) of small configurations of each sequence layer.
 * The recurrent layers and attention are checked with respect to their inputs, initial states
 * and every parameter: the checked function runs the layer with the parameters substituted by
 * GradCheck's leaves (through the package-private functional entry points). The encoder layers
 * are checked with respect to their input.
 */
class SeqGradCheckTest {
    /** Layers draw their initial values from the default generator: the same values whatever ran before. */
    @BeforeEach
    void seed() {
        Tensor.manualSeed(42);
    }

    private static Tensor randn(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape).mul(0.7).to(DType.FLOAT64);
    }

    /** GradCheck over [inputs..., parameters...]; f gets the inputs and a parameter lookup by name. */
    private static void checkWithParams(Module m, List<Tensor> inputs, java.util.function.BiFunction<List<Tensor>, Function<String, Tensor>, Tensor> f) {
        List<String> names = new ArrayList<>(m.namedParameters().keySet());
        List<Tensor> all = new ArrayList<>(inputs);
        for (String n : names) all.add(m.namedParameters().get(n).detach().to(DType.FLOAT64));
        int k = inputs.size();
        // the substituted parameters must be the ones used: each gets a non-zero gradient
        List<Tensor> leaves = all.stream().map(t -> t.detach().clone().requiresGrad(true)).toList();
        Map<String, Tensor> sub = new LinkedHashMap<>();
        for (int j = 0; j < names.size(); j++) sub.put(names.get(j), leaves.get(k + j));
        f.apply(leaves.subList(0, k), sub::get).square().sum().backward();
        for (int j = 0; j < leaves.size(); j++) {
            Tensor g = leaves.get(j).grad();
            String what = j < k ? "input " + j : names.get(j - k);
            assertTrue(g != null && g.abs().max().item() > 0, m + ": no gradient reaches " + what);
        }
        GradCheck.Result r = GradCheck.check(xs -> {
            Map<String, Tensor> p = new LinkedHashMap<>();
            for (int j = 0; j < names.size(); j++) p.put(names.get(j), xs.get(k + j));
            return f.apply(xs.subList(0, k), p::get);
        }, all);
        assertTrue(r.passed(), m + ": " + r + " (inputs 0.." + (k - 1) + ", then parameters " + names + ")");
    }

    /** The output and the final states flattened into one tensor, so that all are checked. */
    private static Tensor flat(RNNBase.Output o) {
        List<Tensor> parts = new ArrayList<>(List.of(o.output().reshape(-1), o.hN().reshape(-1)));
        if (o.cN() != null) parts.add(o.cN().reshape(-1));
        return Tensor.cat(parts, 0);
    }

    @Test
    void rnnTanhTwoLayersBidirectional() {
        RNN rnn = new RNN(2, 2, 2, RNN.Nonlinearity.TANH, true, false, 0, true);
        checkWithParams(rnn, List.of(randn(1, 3, 2, 2), randn(2, 4, 2, 2)), (xs, p) -> flat(rnn.run(xs.get(0), xs.get(1), null, p)));
    }

    @Test
    void rnnReluBatchFirst() {
        RNN rnn = new RNN(2, 3, 2, RNN.Nonlinearity.RELU, true, true, 0, false);
        checkWithParams(rnn, List.of(randn(3, 2, 4, 2), randn(22, 2, 2, 3)), (xs, p) -> flat(rnn.run(xs.get(0), xs.get(1), null, p)));
    }

    @Test
    void lstmWithInitialStatesAndProjection() {
        LSTM lstm = new LSTM(2, 3, 2, true, false, 0, true, 2);
        checkWithParams(lstm, List.of(randn(4, 3, 2, 2), randn(5, 4, 2, 2), randn(6, 4, 2, 3)),
                (xs, p) -> flat(lstm.run(xs.get(0), xs.get(1), xs.get(2), p)));
    }

    @Test
    void lstmUnbatchedWithoutBias() {
        LSTM lstm = new LSTM(3, 2, 1, false, false, 0, false);
        checkWithParams(lstm, List.of(randn(7, 4, 3)), (xs, p) -> flat(lstm.run(xs.get(0), null, null, p)));
    }

    @Test
    void gruTwoLayersWithInitialState() {
        GRU gru = new GRU(2, 3, 2, true, true, 0, false);
        checkWithParams(gru, List.of(randn(8, 2, 3, 2), randn(9, 2, 2, 3)), (xs, p) -> flat(gru.run(xs.get(0), xs.get(1), null, p)));
    }

    @Test
    void gruBidirectional() {
        GRU gru = new GRU(2, 2, 1, true, false, 0, true);
        checkWithParams(gru, List.of(randn(10, 3, 2, 2)), (xs, p) -> flat(gru.run(xs.get(0), null, null, p)));
    }

    private static Tensor flat(MultiheadAttention.Output o) {
        return Tensor.cat(List.of(o.output().reshape(-1), o.weights().reshape(-1)), 0);
    }

    @Test
    void multiheadSelfAttentionWithMasks() {
        MultiheadAttention mha = new MultiheadAttention(4, 2, 0, true, true);
        Tensor kpm = Tensor.of(new boolean[] {false, false, true, false, true, false}, 2, 3);
        Tensor mask = Tensor.of(new boolean[] {false, true, false, false, false, true, false, false, false}, 3, 3);
        checkWithParams(mha, List.of(randn(11, 2, 3, 4)), (xs, p) -> flat(mha.attend(xs.get(0), xs.get(0), xs.get(0), kpm, mask, false, true, false, p)));
    }

    @Test
    void multiheadCrossAttentionWithKdimVdimBiasKvZeroAttnAndCausal() {
        MultiheadAttention mha = new MultiheadAttention(4, 2, 0, true, true, true, 3, 5, false);
        Tensor floatMask = randn(12, 3, 4);
        checkWithParams(mha, List.of(randn(13, 3, 2, 4), randn(14, 4, 2, 3), randn(15, 4, 2, 5)),
                (xs, p) -> flat(mha.attend(xs.get(0), xs.get(1), xs.get(2), null, floatMask, true, true, true, p)));
    }

    @Test
    void scaledDotProductAttentionWithAFullyMaskedRow() {
        // row 1 of batch 0 may attend to nothing: its output is 0 and no NaN reaches any gradient
        boolean[] m = new boolean[2 * 3 * 4];
        java.util.Arrays.fill(m, true);
        for (int j = 0; j < 4; j++) m[4 + j] = false;
        m[2] = false;
        Tensor mask = Tensor.of(m, 2, 3, 4);
        GradCheck.Result r = GradCheck.check(xs -> MultiheadAttention.scaledDotProductAttention(xs.get(0), xs.get(1), xs.get(2), mask, true, 0.8),
                List.of(randn(16, 2, 3, 2), randn(17, 2, 4, 2), randn(18, 2, 4, 3)));
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void transformerEncoderLayerPostNormInput() {
        var layer = new TransformerEncoderLayer(4, 2, 6, 0, "relu", 1e-5, false, false);
        layer.to(DType.FLOAT64);
        Tensor kpm = Tensor.of(new boolean[] {false, false, true, false, false, false}, 2, 3);
        GradCheck.Result r = GradCheck.check(xs -> layer.forward(xs.get(0), null, kpm, true), List.of(randn(19, 3, 2, 4)));
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void transformerEncoderPreNormGeluInput() {
        var encoder = new TransformerEncoder(i -> new TransformerEncoderLayer(4, 2, 6, 0, "gelu", 1e-5, true, true), 2, new LayerNorm(4));
        encoder.to(DType.FLOAT64);
        Tensor mask = randn(20, 3, 3);
        GradCheck.Result r = GradCheck.check(xs -> encoder.forward(xs.get(0), mask, null, false), List.of(randn(21, 2, 3, 4)));
        assertTrue(r.passed(), r.toString());
    }
}
