package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.nn.train.Checkpoint;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.Safetensors;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real checkpoint: the small causal Transformer language model of
 * {@code tools/oracle/generate_checkpoint.py}, saved by PyTorch as BF16 and as F16 safetensors under
 * PyTorch's state-dict names ({@code encoder.layers.0.self_attn.in_proj_weight}, …), loads by name into
 * jgrad's {@link TinyLM} and gives PyTorch's logits.
 *
 * <p>Every comparison is with PyTorch's float32 forward on the checkpoint's values (the half values
 * upcast exactly), {@code <input>.logits.bf16} / {@code .f16} of {@code tiny_lm.expected.safetensors}. A
 * float32 jgrad model must match it to float32 rounding. A half jgrad model rounds every op's result to its
 * type, so it is held to {@link #HALF_EPS_BUDGET} epsilons of that type at the scale of the logits.
 * PyTorch's own bfloat16 forward ({@code .logits.bf16_torch}) is another half computation with its own
 * error: jgrad's bfloat16 logits must lie within that budget plus PyTorch's distance from the reference.
 */
class PyTorchCheckpointTest {
    private static final String[] INPUTS = {"full", "short"};

    /** float32 against float32: the same function summed in other orders; relative to the largest |logit|. */
    private static final double F32_RTOL = 1e-5;
    /**
     * Half compute against the float32 reference, in epsilons of the half type (2^-7 for bfloat16, 2^-10 for
     * float16) times the largest |logit|. The final rounding of a logit alone can cost half an epsilon of its
     * magnitude; before it come some twenty ops each rounded once (the embedding sum; per pre-norm layer the
     * norms, projections, attention, activation and residual adds; the final norm and the head), whose errors
     * the layer norms keep from compounding. Measured on this model: 0.7 to 0.9 eps for both types, and
     * 0.9 to 1.2 eps for PyTorch's own bfloat16 forward (whose matmul accumulates in bfloat16).
     */
    private static final double HALF_EPS_BUDGET = 2;

    private static Path resource(String name) throws URISyntaxException {
        var url = PyTorchCheckpointTest.class.getResource("/checkpoint/" + name);
        assertNotNull(url, "missing test resource /checkpoint/" + name + " (written by tools/oracle/generate_checkpoint.py)");
        return Path.of(url.toURI());
    }

    private static Path checkpointFile(String tag) throws URISyntaxException {
        return resource("tiny_lm." + tag + ".safetensors");
    }

    private static Safetensors.Contents checkpoint(String tag) throws Exception {
        return Safetensors.read(checkpointFile(tag));
    }

    private static Map<String, Tensor> expected() throws Exception {
        return Safetensors.read(resource("tiny_lm.expected.safetensors")).tensors();
    }

    private static DType dtypeOf(String tag) {
        return tag.equals("bf16") ? DType.BFLOAT16 : DType.FLOAT16;
    }

    private static double epsilon(DType dtype) {
        return dtype == DType.BFLOAT16 ? 0x1p-7 : 0x1p-10;
    }

    /** The largest |a − b| over all elements (the shapes must agree). */
    private static double maxDiff(Tensor a, Tensor b) {
        assertArrayEquals(b.shape(), a.shape(), "logits shape");
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        double m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
        return m;
    }

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (double v : t.toDoubleArray()) m = Math.max(m, Math.abs(v));
        return m;
    }

    /** Runs {@code model} (on {@code device}) on every input and checks its logits against the float32 reference of {@code tag}. */
    private static void assertLogits(String what, TinyLM model, String tag, DType computed, Device device) throws Exception {
        Map<String, Tensor> want = expected();
        for (String in : INPUTS) {
            Tensor ref = want.get(in + ".logits." + tag);
            Tensor got = model.forward(want.get(in + ".tokens").to(device));
            assertEquals(computed, got.dtype(), what + ": the forward pass runs in " + computed);
            assertEquals(device, got.device());
            double diff = maxDiff(got.cpu(), ref), scale = maxAbs(ref);
            if (computed == DType.FLOAT32) {
                System.out.printf("%s, %s: max |logit diff| %.3e = %.2e x max |logit| %.3f%n", what, in, diff, diff / scale, scale);
                assertTrue(diff <= F32_RTOL * scale, what + ", " + in + ": max |logit diff| " + diff + " > " + F32_RTOL + " x " + scale);
                continue;
            }
            double eps = epsilon(computed), bound = HALF_EPS_BUDGET * eps * scale;
            System.out.printf("%s, %s: max |logit diff| %.3e = %.2f eps x max |logit| %.3f%n", what, in, diff, diff / (eps * scale), scale);
            assertTrue(diff <= bound, what + ", " + in + ": max |logit diff| " + diff + " > " + bound);
            if (computed == DType.BFLOAT16) {
                // two half computations: jgrad's within its budget of the reference, PyTorch's where it is
                Tensor torchBf16 = want.get(in + ".logits.bf16_torch");
                double dTorch = maxDiff(got.cpu(), torchBf16), torchOff = maxDiff(torchBf16, ref);
                System.out.printf("  against PyTorch's bfloat16 forward %.3e = %.2f eps (PyTorch's against the reference: %.2f eps)%n",
                        dTorch, dTorch / (eps * scale), torchOff / (eps * scale));
                assertTrue(dTorch <= bound + torchOff, what + ", " + in + ": against PyTorch's bfloat16 forward " + dTorch + " > " + bound + " + " + torchOff);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bf16", "f16"})
    void aHalfCheckpointLoadedIntoAFloat32ModelGivesPyTorchsFloat32Logits(String tag) throws Exception {
        Safetensors.Contents ckpt = checkpoint(tag);
        for (Tensor t : ckpt.tensors().values()) assertEquals(dtypeOf(tag), t.dtype(), "read as stored");
        TinyLM model = new TinyLM(ckpt.metadata());
        model.loadStateDict(ckpt.tensors());
        model.eval();
        model.parameters().forEach(p -> assertEquals(DType.FLOAT32, p.dtype(), "loading converts to the model's dtype"));
        assertLogits(tag + " checkpoint, float32 model", model, tag, DType.FLOAT32, Device.CPU);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bf16", "f16"})
    void aHalfModelLoadsItsCheckpointAndComputesInHalfPrecision(String tag) throws Exception {
        DType half = dtypeOf(tag);
        TinyLM model = new TinyLM(checkpoint(tag).metadata());
        model.to(half);
        Checkpoint.loadWeights(checkpointFile(tag), model);
        model.eval();
        model.parameters().forEach(p -> assertEquals(half, p.dtype()));
        assertLogits(tag + " checkpoint, " + half + " model", model, tag, half, Device.CPU);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bf16", "f16"})
    void onAGpuTheHalfModelGivesTheSameLogits(String tag) throws Exception {
        assumeTrue(Cuda.isAvailable(), () -> "no CUDA device: " + Cuda.unavailableReason());
        Device cuda = Device.cuda();
        DType half = dtypeOf(tag);
        TinyLM model = new TinyLM(checkpoint(tag).metadata());
        model.to(cuda).to(half);
        Checkpoint.loadWeights(checkpointFile(tag), model);
        model.eval();
        assertLogits(tag + " checkpoint, " + half + " model on " + cuda, model, tag, half, cuda);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bf16", "f16"})
    void savingTheHalfModelReproducesTheCheckpointsBitsPerTensor(String tag, @TempDir Path dir) throws Exception {
        Safetensors.Contents ckpt = checkpoint(tag);
        TinyLM model = new TinyLM(ckpt.metadata());
        model.to(dtypeOf(tag));
        model.loadStateDict(ckpt.tensors());
        Path saved = dir.resolve("tiny_lm.safetensors");
        Checkpoint.saveWeights(saved, model, ckpt.metadata());
        Safetensors.Contents back = Safetensors.read(saved);
        assertEquals(ckpt.metadata(), back.metadata());
        assertEquals(new ArrayList<>(ckpt.tensors().keySet()), new ArrayList<>(back.tensors().keySet()), "PyTorch's keys, in PyTorch's order");
        for (Map.Entry<String, Tensor> e : ckpt.tensors().entrySet()) {
            Tensor t = back.tensors().get(e.getKey());
            assertEquals(e.getValue().dtype(), t.dtype(), e.getKey());
            assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
            assertArrayEquals(e.getValue().toHalfBits(), t.toHalfBits(), e.getKey());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bf16", "f16"})
    void aFloat32ModelConvertedToTheHalfTypeGivesBackTheCheckpointsBits(String tag) throws Exception {
        Safetensors.Contents ckpt = checkpoint(tag);
        TinyLM model = new TinyLM(ckpt.metadata());
        model.loadStateDict(ckpt.tensors());   // widened exactly to float32 ...
        model.to(dtypeOf(tag));                // ... so rounding back is exact
        Map<String, Tensor> state = model.stateDict();
        for (Map.Entry<String, Tensor> e : ckpt.tensors().entrySet()) {
            assertArrayEquals(e.getValue().toHalfBits(), state.get(e.getKey()).toHalfBits(), e.getKey());
        }
    }

    @Test
    void strictLoadingNamesMissingUnexpectedAndMisShapedKeysAndChangesNothing() throws Exception {
        Safetensors.Contents ckpt = checkpoint("bf16");
        TinyLM model = new TinyLM(ckpt.metadata());
        model.to(DType.BFLOAT16);
        Map<String, Tensor> before = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> before.put(k, v.clone()));

        Map<String, Tensor> renamed = new LinkedHashMap<>(ckpt.tensors());
        renamed.put("encoder.layers.2.linear2.bias", renamed.remove("encoder.layers.1.linear2.bias"));
        IllegalArgumentException keys = assertThrows(IllegalArgumentException.class, () -> model.loadStateDict(renamed));
        assertTrue(keys.getMessage().contains("missing keys: [encoder.layers.1.linear2.bias]"), keys.getMessage());
        assertTrue(keys.getMessage().contains("unexpected keys: [encoder.layers.2.linear2.bias]"), keys.getMessage());

        Map<String, Tensor> reshaped = new LinkedHashMap<>(ckpt.tensors());
        reshaped.put("head.weight", reshaped.get("head.weight").narrow(0, 0, 16));
        for (boolean strict : new boolean[] {true, false}) {
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> model.loadStateDict(reshaped, strict));
            assertTrue(shape.getMessage().contains("size mismatch for head.weight") && shape.getMessage().contains("[16, 32]")
                    && shape.getMessage().contains("[17, 32]"), shape.getMessage());
        }
        model.stateDict().forEach((k, v) -> assertArrayEquals(before.get(k).toHalfBits(), v.toHalfBits(), k + " is untouched by a failed load"));

        Map<String, String> otherVocab = new LinkedHashMap<>(ckpt.metadata());
        otherVocab.put("vocab_size", "18");
        IllegalArgumentException file = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.loadWeights(checkpointFile("bf16"), new TinyLM(otherVocab)));
        assertTrue(file.getMessage().contains("tiny_lm.bf16.safetensors") && file.getMessage().contains("tok_emb.weight")
                && file.getMessage().contains("[17, 32]") && file.getMessage().contains("[18, 32]"), file.getMessage());
    }
}
