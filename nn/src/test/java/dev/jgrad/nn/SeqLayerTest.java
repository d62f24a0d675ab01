package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.optim.Adam;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Behaviour of the sequence layers that the PyTorch fixtures do not cover: parameter names and
 * initial values, errors on bad shapes, dropout only in training mode, causal masking by flag
 * and by explicit mask, fully masked queries, layouts (batch first, unbatched, reverse
 * direction), scaled dot-product attention against a hand computation, positional encoding and
 * a short training run.
 */
class SeqLayerTest {
    /** Initial values and dropout masks come from the default generator: the same whatever ran before. */
    @BeforeEach
    void seed() {
        Tensor.manualSeed(7);
    }

    private static Tensor randn(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape);
    }

    private static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertNotNull(actual, what);
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertTrue(Math.abs(e[i] - a[i]) <= tol, what + ": element " + i + ": expected " + e[i] + ", got " + a[i]);
        }
    }

    private static List<String> keysAndShapes(Module m) {
        List<String> out = new ArrayList<>();
        m.stateDict().forEach((k, v) -> out.add(k + Arrays.toString(v.shape())));
        return out;
    }

    private static void assertIllegal(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message \"" + e.getMessage() + "\" should contain \"" + f + "\"");
    }

    // ---- parameter names, shapes and initial values ---------------------------------------------

    @Test
    void lstmStateDictHasPyTorchsKeysShapesAndOrder() {
        // torch: [(k, list(v.shape)) for k, v in nn.LSTM(3, 5, 2, bidirectional=True, proj_size=2).state_dict().items()]
        List<String> torch = new ArrayList<>();
        for (String layer : List.of("_l0", "_l1")) {
            for (String sfx : List.of("", "_reverse")) {
                String s = layer + sfx;
                torch.addAll(List.of("weight_ih" + s + (layer.equals("_l0") ? "[20, 3]" : "[20, 4]"), "weight_hh" + s + "[20, 2]",
                        "bias_ih" + s + "[20]", "bias_hh" + s + "[20]", "weight_hr" + s + "[2, 5]"));
            }
        }
        assertEquals(torch, keysAndShapes(new LSTM(3, 5, 2, true, false, 0, true, 2)));
    }

    @Test
    void rnnAndGruWithoutBiasHaveOnlyWeights() {
        assertEquals(List.of("weight_ih_l0[4, 3]", "weight_hh_l0[4, 4]", "weight_ih_l1[4, 4]", "weight_hh_l1[4, 4]"),
                keysAndShapes(new RNN(3, 4, 2, RNN.Nonlinearity.RELU, false, false, 0, false)));
        assertEquals(List.of("weight_ih_l0[12, 3]", "weight_hh_l0[12, 4]", "weight_ih_l0_reverse[12, 3]", "weight_hh_l0_reverse[12, 4]"),
                keysAndShapes(new GRU(3, 4, 1, false, false, 0, true)));
    }

    @Test
    void multiheadAttentionStateDictsArePyTorchs() {
        assertEquals(List.of("in_proj_weight[12, 4]", "in_proj_bias[12]", "out_proj.weight[4, 4]", "out_proj.bias[4]"),
                keysAndShapes(new MultiheadAttention(4, 2)));
        // torch: nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True)
        assertEquals(List.of("q_proj_weight[4, 4]", "k_proj_weight[4, 3]", "v_proj_weight[4, 5]", "in_proj_bias[12]", "bias_k[1, 1, 4]",
                "bias_v[1, 1, 4]", "out_proj.weight[4, 4]", "out_proj.bias[4]"), keysAndShapes(new MultiheadAttention(4, 2, 0, true, true, false, 3, 5, false)));
        assertEquals(List.of("in_proj_weight[12, 4]", "out_proj.weight[4, 4]"), keysAndShapes(new MultiheadAttention(4, 2, 0, false, false)));
    }

    @Test
    void transformerEncoderStateDictIsPyTorchs() {
        // torch: nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 6), 2, norm=nn.LayerNorm(4)).state_dict()
        List<String> torch = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String p = "layers." + i + ".";
            torch.addAll(List.of(p + "self_attn.in_proj_weight[12, 4]", p + "self_attn.in_proj_bias[12]", p + "self_attn.out_proj.weight[4, 4]",
                    p + "self_attn.out_proj.bias[4]", p + "linear1.weight[6, 4]", p + "linear1.bias[6]", p + "linear2.weight[4, 6]",
                    p + "linear2.bias[4]", p + "norm1.weight[4]", p + "norm1.bias[4]", p + "norm2.weight[4]", p + "norm2.bias[4]"));
        }
        torch.addAll(List.of("norm.weight[4]", "norm.bias[4]"));
        var encoder = new TransformerEncoder(i -> new TransformerEncoderLayer(4, 2, 6, 0.1, "relu", 1e-5, false, false), 2, new LayerNorm(4));
        assertEquals(torch, keysAndShapes(encoder));
        assertEquals(2, encoder.layers().size());
        assertTrue(encoder.toString().contains("(self_attn): MultiheadAttention("), encoder.toString());
    }

    @Test
    void initialValuesFollowPyTorch() {
        LSTM lstm = new LSTM(3, 16, 2);
        double bound = 1 / Math.sqrt(16);
        for (var e : lstm.namedParameters().entrySet()) {
            Tensor abs = e.getValue().abs();
            assertTrue(abs.max().item() <= bound, e.getKey() + " exceeds 1/sqrt(hidden)");
            assertTrue(abs.max().item() > bound / 2, e.getKey() + " looks not initialised");
        }
        MultiheadAttention mha = new MultiheadAttention(8, 2);
        assertEquals(0, mha.inProjBias.abs().max().item());
        assertEquals(0, mha.outProj.bias.abs().max().item());
        double xavier = Math.sqrt(6.0 / (8 + 24));
        assertTrue(mha.inProjWeight.abs().max().item() <= xavier);
        assertTrue(mha.inProjWeight.abs().max().item() > xavier / 2);
    }

    @Test
    void toStringsReadLikePyTorchs() {
        assertEquals("LSTM(10, 20, num_layers=2, dropout=0.5)", new LSTM(10, 20, 2, true, false, 0.5, false).toString());
        assertEquals("RNN(2, 3, nonlinearity=relu)", new RNN(2, 3, 1, RNN.Nonlinearity.RELU, true, false, 0, false).toString());
        assertEquals("GRU(2, 3, batch_first=true, bidirectional=true)", new GRU(2, 3, 1, true, true, 0, true).toString());
    }

    // ---- bad inputs --------------------------------------------------------------------------

    @Test
    void recurrentLayersRejectBadShapesNamingThemselves() {
        assertIllegal(() -> new LSTM(3, 4).forward(randn(1, 5, 2, 7)), "LSTM", "[5, 2, 7]", "3");
        assertIllegal(() -> new GRU(3, 4).forward(randn(1, 5)), "GRU", "[5]");
        assertIllegal(() -> new RNN(3, 4).forward(randn(1, 2, 5, 3, 1)), "RNN", "[2, 5, 3, 1]");
        assertIllegal(() -> new RNN(3, 4, 2).forward(randn(1, 5, 2, 3), randn(2, 1, 2, 4)), "RNN", "h0", "[2, 2, 4]", "[1, 2, 4]");
        assertIllegal(() -> new LSTM(3, 4, 1, true, false, 0, true).forward(randn(1, 5, 2, 3), null, randn(2, 2, 2, 3)), "LSTM", "c0", "[2, 2, 4]", "[2, 2, 3]");
        assertIllegal(() -> new GRU(3, 4).forward(randn(1, 5, 3), randn(2, 1, 2, 4)), "GRU", "h0", "[1, 4]", "[1, 2, 4]");
        assertIllegal(() -> new LSTM(3, 4).forward(Tensor.zeros(0, 2, 3)), "LSTM", "sequence length", "[0, 2, 3]");
        assertIllegal(() -> new LSTM(3, 4, 1, true, false, 0, false, 4), "LSTM", "projSize");
        assertIllegal(() -> new GRU(3, 0), "GRU", "hiddenSize=0");
        assertIllegal(() -> new RNN(3, 4, 2, RNN.Nonlinearity.TANH, true, false, 1.0, false), "RNN", "dropout");
    }

    @Test
    void attentionRejectsBadShapesNamingItself() {
        MultiheadAttention mha = new MultiheadAttention(4, 2);
        assertIllegal(() -> mha.forward(randn(1, 3, 2, 5)), "MultiheadAttention", "[3, 2, 5]");
        assertIllegal(() -> mha.forward(randn(1, 3, 2, 4), randn(2, 5, 3, 4), randn(3, 5, 3, 4)), "MultiheadAttention", "[5, 3, 4]");
        assertIllegal(() -> mha.forward(randn(1, 3, 2, 4), randn(2, 5, 2, 4), randn(3, 4, 2, 4)), "MultiheadAttention", "[4, 2, 4]");
        assertIllegal(() -> mha.forward(randn(1, 3, 2, 4), randn(2, 5, 4), randn(3, 5, 4)), "MultiheadAttention", "[5, 4]");
        Tensor x = randn(1, 3, 2, 4);
        assertIllegal(() -> mha.forward(x, x, x, Tensor.zeros(DType.BOOL, 3, 2), null, false, false, true), "keyPaddingMask", "[2, 3]", "[3, 2]");
        assertIllegal(() -> mha.forward(x, x, x, null, Tensor.zeros(DType.BOOL, 3, 4), false, false, true), "attnMask", "[3, 3]", "[4, 3, 3]", "[3, 4]");
        assertIllegal(() -> mha.forward(x, x, x, null, Tensor.zeros(DType.INT64, 3, 3), false, false, true), "attnMask", "int64");
        assertIllegal(() -> new MultiheadAttention(5, 2), "MultiheadAttention", "embedDim=5", "numHeads=2");
        assertIllegal(() -> MultiheadAttention.scaledDotProductAttention(randn(1, 2, 3, 4), randn(2, 2, 5, 3), randn(3, 2, 5, 4), null, false),
                "scaled_dot_product_attention", "[2, 3, 4]", "[2, 5, 3]");
        assertIllegal(() -> MultiheadAttention.scaledDotProductAttention(randn(1, 3, 4), randn(2, 5, 4), randn(3, 5, 4), Tensor.zeros(DType.BOOL, 3, 4), false),
                "scaled_dot_product_attention", "[3, 4]", "[3, 5]");
    }

    @Test
    void encoderLayersRejectBadShapesNamingThemselves() {
        var layer = new TransformerEncoderLayer(4, 2, 6, 0, "relu", 1e-5, true, false);
        assertIllegal(() -> layer.forward(randn(1, 2, 3, 5)), "TransformerEncoderLayer", "[N, L, 4]", "[2, 3, 5]");
        var encoder = new TransformerEncoder(i -> new TransformerEncoderLayer(4, 2, 6, 0, "relu", 1e-5, false, false), 2);
        assertIllegal(() -> encoder.forward(randn(1, 3, 2, 5)), "TransformerEncoderLayer", "[3, 2, 5]");
        assertIllegal(() -> new TransformerEncoderLayer(4, 2, 6, 0, "tanh", 1e-5, false, false), "TransformerEncoderLayer", "tanh");
        assertIllegal(() -> new PositionalEncoding(4, 8, 0, false).forward(randn(1, 9, 2, 4)), "PositionalEncoding", "[9, 2, 4]");
        assertIllegal(() -> new PositionalEncoding(4, 8, 0, true).forward(randn(1, 2, 3, 5)), "PositionalEncoding", "[2, 3, 5]");
    }

    // ---- dropout -----------------------------------------------------------------------------

    @Test
    void recurrentDropoutActsBetweenLayersOnlyInTraining() {
        LSTM withDropout = new LSTM(3, 4, 2, true, false, 0.5, false);
        LSTM without = new LSTM(3, 4, 2, true, false, 0, false);
        without.loadStateDict(withDropout.stateDict());
        Tensor x = randn(1, 6, 2, 3);
        RNNBase.Output reference = without.forward(x, null, null);

        withDropout.eval();
        RNNBase.Output eval = withDropout.forward(x, null, null);
        assertClose(reference.output(), eval.output(), 0, "eval mode: no dropout");

        withDropout.train();
        RNNBase.Output a = withDropout.forward(x, null, null), b = withDropout.forward(x, null, null);
        // layer 0 is computed before any dropout: its final states are untouched
        assertClose(reference.hN().select(0, 0), a.hN().select(0, 0), 0, "layer 0 final h");
        assertClose(reference.cN().select(0, 0), a.cN().select(0, 0), 0, "layer 0 final c");
        assertFalse(a.output().allClose(reference.output(), 1e-6, 1e-6), "training mode: layer 1 sees dropped inputs");
        assertFalse(a.output().allClose(b.output(), 1e-6, 1e-6), "training mode: a fresh mask per call");

        // one layer: nothing lies between layers, so dropout never applies (as PyTorch)
        GRU single = new GRU(3, 4, 1, true, false, 0.5, false);
        Tensor trained = single.forward(x);
        single.eval();
        assertClose(trained, single.forward(x), 0, "single layer");
    }

    @Test
    void attentionAndEncoderDropoutOnlyInTraining() {
        MultiheadAttention with = new MultiheadAttention(4, 2, 0.5, true, false), without = new MultiheadAttention(4, 2);
        without.loadStateDict(with.stateDict());
        Tensor x = randn(2, 3, 2, 4);
        with.eval();
        assertClose(without.forward(x), with.forward(x), 0, "eval attention");
        with.train();
        assertFalse(without.forward(x).allClose(with.forward(x), 1e-6, 1e-6), "training attention");

        var layer = new TransformerEncoderLayer(4, 2, 6, 0.3, "gelu", 1e-5, false, true);
        var plain = new TransformerEncoderLayer(4, 2, 6, 0, "gelu", 1e-5, false, true);
        plain.loadStateDict(layer.stateDict());
        layer.eval();
        assertClose(plain.forward(x), layer.forward(x), 0, "eval encoder layer");
    }

    // ---- causal masking ------------------------------------------------------------------------

    /** Upper triangle (key j > query i) true: MultiheadAttention's "not allowed". */
    private static Tensor triu(int l, int s) {
        boolean[] m = new boolean[l * s];
        for (int i = 0; i < l; i++) for (int j = 0; j < s; j++) m[i * s + j] = j > i;
        return Tensor.of(m, l, s);
    }

    /** Output, weights and the input gradient of one attention call. */
    private static List<Tensor> attendWithGrad(MultiheadAttention mha, Tensor q0, Tensor kv0, Tensor mask, boolean causal) {
        Tensor q = q0.detach().clone().requiresGrad(true), kv = kv0.detach().clone().requiresGrad(true);
        MultiheadAttention.Output o = mha.forward(q, kv, kv, null, mask, causal, true, false);
        o.output().mul(randn(7, o.output().shape())).sum().add(o.weights().mul(randn(8, o.weights().shape())).sum()).backward();
        return List.of(o.output(), o.weights(), q.grad(), kv.grad());
    }

    @Test
    void isCausalEqualsAnExplicitMask() {
        MultiheadAttention mha = new MultiheadAttention(4, 2, 0, true, true);
        mha.to(DType.FLOAT64);
        for (int[] ls : new int[][] {{4, 4}, {3, 5}, {5, 3}}) {
            Tensor q = randn(1, 2, ls[0], 4).to(DType.FLOAT64), kv = randn(2, 2, ls[1], 4).to(DType.FLOAT64);
            List<Tensor> flag = attendWithGrad(mha, q, kv, null, true);
            List<Tensor> bool = attendWithGrad(mha, q, kv, triu(ls[0], ls[1]), false);
            Tensor additive = Tensor.where(triu(ls[0], ls[1]), Tensor.scalar(Double.NEGATIVE_INFINITY, DType.FLOAT64), Tensor.scalar(0, DType.FLOAT64));
            List<Tensor> floats = attendWithGrad(mha, q, kv, additive, false);
            for (int k = 0; k < 4; k++) {
                assertClose(bool.get(k), flag.get(k), 1e-12, "L, S = " + Arrays.toString(ls) + ", result " + k + " (flag vs bool mask)");
                assertClose(bool.get(k), floats.get(k), 1e-12, "L, S = " + Arrays.toString(ls) + ", result " + k + " (float vs bool mask)");
            }
            assertEquals(0, flag.get(1).select(2, 0).narrow(-1, 1, ls[1] - 1).abs().max().item(), "query 0 sees only key 0");
        }

        Tensor q = randn(3, 2, 2, 4, 3), k = randn(4, 2, 2, 5, 3), v = randn(5, 2, 2, 5, 2);
        Tensor keep = triu(4, 5).logicalNot();   // scaledDotProductAttention's bool masks are true where allowed
        assertClose(MultiheadAttention.scaledDotProductAttention(q, k, v, keep, false), MultiheadAttention.scaledDotProductAttention(q, k, v, null, true),
                1e-6, "scaledDotProductAttention causal flag vs mask");

        var encoder = new TransformerEncoder(i -> new TransformerEncoderLayer(4, 2, 6, 0, "relu", 1e-5, false, i == 1), 2, new LayerNorm(4));
        Tensor src = randn(6, 5, 2, 4);
        Tensor byFlag = encoder.forward(src, null, null, true);
        assertClose(encoder.forward(src, triu(5, 5), null, false), byFlag, 1e-6, "encoder causal flag vs mask");
        // and a causal encoder's output at step t depends on steps 0..t only
        Tensor changedFuture = Tensor.cat(List.of(src.narrow(0, 0, 3), randn(9, 2, 2, 4)), 0);
        assertClose(byFlag.narrow(0, 0, 3), encoder.forward(changedFuture, null, null, true).narrow(0, 0, 3), 1e-6, "no look-ahead");
    }

    @Test
    void aQueryThatMayAttendToNothingGetsZeroAttention() {
        MultiheadAttention mha = new MultiheadAttention(4, 2, 0, true, true);
        Tensor x = randn(1, 2, 3, 4).requiresGrad(true);
        Tensor padding = Tensor.of(new boolean[] {true, true, true, false, true, false}, 2, 3);   // batch 0: every key ignored
        MultiheadAttention.Output o = mha.forward(x, x, x, padding, null, false, true, true);
        Tensor bias = mha.outProj.bias.detach();
        for (int t = 0; t < 3; t++) assertClose(bias, o.output().select(0, 0).select(0, t), 1e-6, "batch 0 output is out_proj's bias");
        assertEquals(0, o.weights().select(0, 0).abs().max().item(), "batch 0 weights");
        assertEquals(1, o.weights().select(0, 1).sum(new int[] {-1}, false).min().item(), 1e-6, "batch 1 weights sum to 1");
        o.output().sum().backward();
        for (boolean bad : x.grad().isNonFinite().toBooleanArray()) assertFalse(bad, "non-finite input gradient");
        for (Tensor p : mha.parameters()) for (boolean bad : p.grad().isNonFinite().toBooleanArray()) assertFalse(bad, "non-finite parameter gradient");

        Tensor q = randn(2, 3, 2), k = randn(3, 4, 2), v = randn(4, 4, 3);
        Tensor mask = Tensor.of(new boolean[] {true, false, true, true, false, false, false, false, true, true, true, true}, 3, 4);
        Tensor y = MultiheadAttention.scaledDotProductAttention(q, k, v, mask, false);
        assertEquals(0, y.select(0, 1).abs().max().item(), "scaledDotProductAttention: fully masked row");
        assertTrue(y.select(0, 0).abs().max().item() > 0);
    }

    // ---- layouts -------------------------------------------------------------------------------

    @Test
    void batchFirstAndUnbatchedInputsMatchTheSequenceFirstLayout() {
        List<Supplier<RNNBase>> makers = List.of(() -> new RNN(3, 4, 2, RNN.Nonlinearity.TANH, true, false, 0, true),
                () -> new LSTM(3, 4, 2, true, false, 0, true, 2), () -> new GRU(3, 4, 2, true, false, 0, true));
        List<Supplier<RNNBase>> batchFirst = List.of(() -> new RNN(3, 4, 2, RNN.Nonlinearity.TANH, true, true, 0, true),
                () -> new LSTM(3, 4, 2, true, true, 0, true, 2), () -> new GRU(3, 4, 2, true, true, 0, true));
        Tensor x = randn(1, 5, 2, 3);
        for (int i = 0; i < makers.size(); i++) {
            RNNBase seq = makers.get(i).get(), bf = batchFirst.get(i).get();
            bf.loadStateDict(seq.stateDict());
            RNNBase.Output a = seq.run(x, null, null, seq.namedParameters()::get);
            RNNBase.Output b = bf.run(x.transpose(0, 1), null, null, bf.namedParameters()::get);
            String name = seq.getClass().getSimpleName();
            assertClose(a.output(), b.output().transpose(0, 1), 1e-6, name + " batch first output");
            assertClose(a.hN(), b.hN(), 1e-6, name + " batch first hN (never batch first)");
            RNNBase.Output one = seq.run(x.narrow(1, 1, 1), null, null, seq.namedParameters()::get);
            RNNBase.Output unbatched = seq.run(x.select(1, 1), null, null, seq.namedParameters()::get);
            assertClose(one.output().squeeze(1), unbatched.output(), 1e-6, name + " unbatched output");
            assertClose(one.hN().squeeze(1), unbatched.hN(), 1e-6, name + " unbatched hN");
        }

        MultiheadAttention seqMha = new MultiheadAttention(4, 2, 0, true, false), bfMha = new MultiheadAttention(4, 2, 0, true, true);
        bfMha.loadStateDict(seqMha.stateDict());
        Tensor q = randn(2, 3, 2, 4), kv = randn(3, 5, 2, 4);
        MultiheadAttention.Output a = seqMha.forward(q, kv, kv), b = bfMha.forward(q.transpose(0, 1), kv.transpose(0, 1), kv.transpose(0, 1));
        assertClose(a.output(), b.output().transpose(0, 1), 1e-6, "attention batch first output");
        assertClose(a.weights(), b.weights(), 1e-6, "attention weights are [N, L, S] either way");
        MultiheadAttention.Output u = seqMha.forward(q.select(1, 0), kv.select(1, 0), kv.select(1, 0));
        assertClose(a.output().select(1, 0), u.output(), 1e-6, "attention unbatched output");
        assertClose(a.weights().select(0, 0), u.weights(), 1e-6, "attention unbatched weights");
        assertClose(seqMha.forward(q, q, q, null, null, false, false, true).output(), seqMha.forward(q), 0, "forward(x) is self-attention");
    }

    @Test
    void theReverseDirectionReadsTheSequenceBackwards() {
        GRU bi = new GRU(3, 4, 1, true, false, 0, true), fw = new GRU(3, 4, 1, true, false, 0, false);
        Map<String, Tensor> state = bi.stateDict();
        fw.loadStateDict(Map.of("weight_ih_l0", state.get("weight_ih_l0_reverse"), "weight_hh_l0", state.get("weight_hh_l0_reverse"),
                "bias_ih_l0", state.get("bias_ih_l0_reverse"), "bias_hh_l0", state.get("bias_hh_l0_reverse")));
        Tensor x = randn(1, 5, 2, 3);
        Tensor reversed = Tensor.of(new long[] {4, 3, 2, 1, 0});
        RNNBase.Output b = bi.forward(x, null), f = fw.forward(x.indexSelect(0, reversed), null);
        assertClose(f.output().indexSelect(0, reversed), b.output().narrow(2, 4, 4), 1e-6, "reverse half of the output");
        assertClose(f.hN().select(0, 0), b.hN().select(0, 1), 1e-6, "reverse final state (after reading step 0)");
    }

    // ---- scaled dot-product attention and positional encoding --------------------------------------

    @Test
    void scaledDotProductAttentionMatchesAHandComputation() {
        Tensor q = randn(1, 2, 3).to(DType.FLOAT64), k = randn(2, 4, 3).to(DType.FLOAT64), v = randn(3, 4, 2).to(DType.FLOAT64);
        Tensor additive = randn(4, 2, 4).to(DType.FLOAT64);
        for (double scale : new double[] {Double.NaN, 0.25}) {
            double sc = Double.isNaN(scale) ? 1 / Math.sqrt(3) : scale;
            double[] qa = q.toDoubleArray(), ka = k.toDoubleArray(), va = v.toDoubleArray(), ma = additive.toDoubleArray();
            double[] expected = new double[2 * 2];
            for (int i = 0; i < 2; i++) {
                double[] w = new double[4];
                double sum = 0;
                for (int j = 0; j < 4; j++) {
                    double dot = 0;
                    for (int e = 0; e < 3; e++) dot += qa[i * 3 + e] * ka[j * 3 + e];
                    w[j] = Math.exp(dot * sc + ma[i * 4 + j]);
                    sum += w[j];
                }
                for (int j = 0; j < 4; j++) for (int c = 0; c < 2; c++) expected[i * 2 + c] += w[j] / sum * va[j * 2 + c];
            }
            Tensor y = MultiheadAttention.scaledDotProductAttention(q, k, v, additive, false, scale);
            assertClose(Tensor.of(expected, 2, 2), y, 1e-12, "scale " + scale);
        }
    }

    @Test
    void positionalEncodingIsTheSinusoidTable() {
        var pos = new PositionalEncoding(6, 10, 0, true);
        assertEquals(List.of("pe[10, 1, 6]"), keysAndShapes(pos));
        Tensor table = pos.table(10);
        double[] t = table.toDoubleArray();
        for (int p = 0; p < 10; p++) {
            for (int i = 0; i < 6; i++) {
                double angle = p / Math.pow(10000, (i / 2 * 2) / 6.0);
                assertEquals(i % 2 == 0 ? Math.sin(angle) : Math.cos(angle), t[p * 6 + i], 1e-6, "pe[" + p + ", " + i + "]");
            }
        }
        Tensor x = randn(1, 2, 4, 6);
        Tensor y = pos.forward(x);
        assertClose(x.select(0, 1).add(table.narrow(0, 0, 4)), y.select(0, 1), 1e-6, "batch first");
        Tensor seqFirst = new PositionalEncoding(6, 10, 0, false).forward(x.transpose(0, 1));
        assertClose(y, seqFirst.transpose(0, 1), 1e-6, "sequence first");
        assertClose(x.select(0, 0).add(table.narrow(0, 0, 4)), pos.forward(x.select(0, 0)), 1e-6, "unbatched");
        assertEquals(DType.FLOAT64, pos.forward(x.to(DType.FLOAT64)).dtype(), "follows the input's dtype");
        var odd = new PositionalEncoding(5, 3, 0, false);
        assertEquals(Math.cos(2 / Math.pow(10000, 2 / 5.0)), odd.table(3).toDoubleArray()[2 * 5 + 3], 1e-6, "odd d");
    }

    // ---- training -------------------------------------------------------------------------------

    @Test
    void anLstmAndAnEncoderLearnASmallTask() {
        // predict, at every step, the running sum of a ±1 sequence's signs so far (needs memory)
        Tensor x = Tensor.randint(new Generator(3), 0, 2, 8, 6, 1).to(DType.FLOAT32).mul(2).sub(1);   // [N, L, 1]
        double[] xs = x.toDoubleArray(), ys = new double[xs.length];
        for (int n = 0; n < 8; n++) {
            double s = 0;
            for (int t = 0; t < 6; t++) ys[n * 6 + t] = (s += xs[n * 6 + t]) / 6;
        }
        Tensor y = Tensor.of(ys, 8, 6, 1).to(DType.FLOAT32);

        LSTM lstm = new LSTM(1, 8, 1, true, true, 0, false);
        Linear head = new Linear(8, 1);
        List<Tensor> params = new ArrayList<>(lstm.parameters());
        params.addAll(head.parameters());
        assertLearns(params, () -> Losses.mse(head.forward(lstm.forward(x)), y), "LSTM");

        Linear embed = new Linear(1, 8);
        var encoder = new TransformerEncoder(i -> new TransformerEncoderLayer(8, 2, 16, 0, "gelu", 1e-5, true, true), 1, new LayerNorm(8));
        var pos = new PositionalEncoding(8, 6, 0, true);
        Linear out = new Linear(8, 1);
        List<Tensor> tp = new ArrayList<>(embed.parameters());
        tp.addAll(encoder.parameters());
        tp.addAll(out.parameters());
        assertLearns(tp, () -> Losses.mse(out.forward(encoder.forward(pos.forward(embed.forward(x)), null, null, true)), y), "Transformer");
    }

    private static void assertLearns(List<Tensor> params, Supplier<Tensor> loss, String what) {
        Adam adam = new Adam(params, 0.02);
        double first = 0, last = 0;
        for (int step = 0; step < 150; step++) {
            adam.zeroGrad();
            Tensor l = loss.get();
            l.backward();
            adam.step();
            if (step == 0) first = l.item();
            last = l.item();
        }
        assertTrue(last < first / 10, what + ": loss went from " + first + " to " + last);
    }
}
