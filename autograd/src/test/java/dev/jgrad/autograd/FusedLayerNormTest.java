package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.autograd.inspect.Formulas;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Op;
import dev.jgrad.tensor.Tensor;
import dev.jgrad.testing.OracleAssert;
import dev.jgrad.testing.OracleAssert.Tolerance;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fused layer-norm op: float64 (reference kernel) against the formula composed of mean, sub,
 * square, sqrt and div; the float32 SIMD kernel against float64 on ragged row lengths; only the
 * gradients asked for; argument errors that name the op and the shapes.
 */
class FusedLayerNormTest {

    /** The same layer norm composed of primitive ops (what nn.LayerNorm used to run). */
    private static Tensor composed(Tensor x, int[] ns, Tensor w, Tensor b, double eps) {
        int[] dims = new int[ns.length];
        for (int i = 0; i < ns.length; i++) dims[i] = x.dim() - ns.length + i;
        Tensor centered = x.sub(x.mean(dims, true));
        Tensor y = centered.div(centered.square().mean(dims, true).add(eps).sqrt());
        if (w != null) y = y.mul(w);
        return b != null ? y.add(b) : y;
    }

    /** out, dx, dw, db (null where there is no such input) of fused or composed layer norm on fresh leaves in {@code dtype}. */
    private static Tensor[] run(boolean fused, DType dtype, Tensor x0, int[] ns, Tensor w0, Tensor b0, double eps, Tensor g) {
        Tensor x = leaf(x0, dtype), w = leaf(w0, dtype), b = leaf(b0, dtype);
        Tensor out = fused ? x.layerNorm(ns, w, b, eps) : composed(x, ns, w, b, eps);
        if (fused) assertInstanceOf(Op.LayerNorm.class, out.op(), "the fused op ran");
        out.backward(g.to(dtype));
        return new Tensor[] {out, x.grad(), w == null ? null : w.grad(), b == null ? null : b.grad()};
    }

    private static Tensor leaf(Tensor t, DType dtype) {
        return t == null ? null : t.detach().to(dtype).clone().requiresGrad(true);
    }

    private static void assertAllClose(String what, Tensor[] actual, Tensor[] expected, DType precision, Tolerance tol) {
        String[] names = {"out", "dx", "dw", "db"};
        for (int i = 0; i < 4; i++) {
            if (expected[i] == null) {
                assertNull(actual[i], what + ": " + names[i]);
                continue;
            }
            OracleAssert.assertClose(what + ": " + names[i], actual[i], expected[i].to(DType.FLOAT64), precision, Device.CPU, tol);
        }
    }

    @Test
    void float64MatchesTheComposedFormula() {
        Generator gen = new Generator(11);
        int[][] shapes = {{4, 9}, {2, 3, 5}, {3, 2, 4}};
        int[][] normalized = {{9}, {5}, {2, 4}};
        for (int c = 0; c < shapes.length; c++) {
            int[] ns = normalized[c];
            Tensor x = Tensor.randn(gen, shapes[c]).mul(3).add(1), g = Tensor.randn(gen, shapes[c]);
            Tensor w = Tensor.randn(gen, ns), b = Tensor.randn(gen, ns);
            for (int affine = 0; affine < 4; affine++) {
                Tensor wi = (affine & 1) != 0 ? w : null, bi = (affine & 2) != 0 ? b : null;
                Tensor[] fused = run(true, DType.FLOAT64, x, ns, wi, bi, 1e-5, g), plain = run(false, DType.FLOAT64, x, ns, wi, bi, 1e-5, g);
                assertAllClose("float64 case " + c + " affine " + affine, fused, plain, DType.FLOAT64, new Tolerance(1e-10, 1e-10));
            }
        }
    }

    @ParameterizedTest(name = "{0} columns")
    @ValueSource(ints = {1, 7, 17, 255, 1000})
    void float32KernelMatchesTheFloat64Reference(int n) {
        Generator gen = new Generator(n);
        int[] shape = {3, 5, n};   // 15 rows, leading batch dims
        int[] ns = {n};
        Tensor x = Tensor.randn(gen, shape).mul(2).add(0.5).to(DType.FLOAT64), g = Tensor.randn(gen, shape).to(DType.FLOAT64);
        Tensor w = Tensor.randn(gen, ns).to(DType.FLOAT64), b = Tensor.randn(gen, ns).to(DType.FLOAT64);
        for (boolean affine : new boolean[] {true, false}) {
            Tensor wi = affine ? w : null, bi = affine ? b : null;
            Tensor[] f32 = run(true, DType.FLOAT32, x, ns, wi, bi, 1e-5, g), f64 = run(true, DType.FLOAT64, x, ns, wi, bi, 1e-5, g);
            // dx of a row is rstd·(ĝ − mean ĝ − x̂·mean(ĝ·x̂)): cancellation grows the float32 error with √n; dw and db sum 15 rows
            assertAllClose("n=" + n + " affine=" + affine, f32, f64, DType.FLOAT32, new Tolerance(2e-5 * Math.sqrt(n), 1e-4));
        }
    }

    @Test
    void theNormalisedRowsHaveMeanZeroAndVarianceOne() {
        Tensor x = Tensor.randn(new Generator(3), 6, 128).mul(5).add(-2);
        Tensor y = x.layerNorm(new int[] {128}, null, null, 0);
        assertTrue(y.mean(new int[] {1}, false).allClose(Tensor.zeros(6), 1e-5, 1e-5));
        assertTrue(y.square().mean(new int[] {1}, false).allClose(Tensor.ones(6), 1e-4, 1e-4));
    }

    @Test
    void nonContiguousInputIsNormalisedAsItsContiguousCopy() {
        Tensor base = Tensor.randn(new Generator(4), 8, 6).to(DType.FLOAT64);
        Tensor w = Tensor.randn(new Generator(5), 8).to(DType.FLOAT64), b = Tensor.randn(new Generator(6), 8).to(DType.FLOAT64);
        Tensor viewed = base.t().layerNorm(new int[] {8}, w, b, 1e-5);
        Tensor copied = base.t().contiguous().layerNorm(new int[] {8}, w, b, 1e-5);
        assertArrayEquals(copied.toDoubleArray(), viewed.toDoubleArray(), 0);
    }

    @Test
    void onlyTheGradientsAskedForAreComputed() {
        Tensor x = Tensor.randn(new Generator(7), 4, 5).to(DType.FLOAT32);
        Tensor w = Tensor.ones(5).requiresGrad(true), b = Tensor.zeros(5);
        x.layerNorm(new int[] {5}, w, b, 1e-5).sum().backward();
        assertNotNull(w.grad(), "weight requires grad");
        assertNull(b.grad(), "bias does not");
        assertNull(x.grad(), "x does not");
        assertEquals(List.of("x", "w", "b"), Formulas.inputNames(x.layerNorm(new int[] {5}, w, b, 1e-5).op()));

        Tensor x2 = x.clone().requiresGrad(true);
        x2.layerNorm(new int[] {5}, null, b, 1e-5).square().sum().backward();
        assertNotNull(x2.grad());
        assertNull(b.grad(), "a bias that does not require grad gets none");
        assertEquals(List.of("x", "b"), Formulas.inputNames(x2.layerNorm(new int[] {5}, null, b, 1e-5).op()));
        assertNull(x.layerNorm(new int[] {5}, null, null, 1e-5).op(), "no node when nothing requires grad");
    }

    @Test
    void aWeightOfAnotherDtypeIsCastAndStillGetsItsGradient() {
        Tensor x = Tensor.randn(new Generator(8), 3, 4).to(DType.FLOAT32);
        Tensor w = Tensor.ones(DType.FLOAT64, 4).requiresGrad(true);
        Tensor y = x.layerNorm(new int[] {4}, w, null, 1e-5);
        assertEquals(DType.FLOAT32, y.dtype());
        y.sum().backward();
        assertEquals(DType.FLOAT64, w.grad().dtype());
        assertArrayEquals(new int[] {4}, w.grad().shape());
    }

    @Test
    void emptyInputsGiveEmptyOutputsAndZeroParameterGradients() {
        Tensor x = Tensor.zeros(0, 4).requiresGrad(true), w = Tensor.ones(4).requiresGrad(true), b = Tensor.zeros(4).requiresGrad(true);
        Tensor y = x.layerNorm(new int[] {4}, w, b, 1e-5);
        assertArrayEquals(new int[] {0, 4}, y.shape());
        y.sum().backward();
        assertArrayEquals(new float[4], w.grad().toFloatArray());
        assertArrayEquals(new float[4], b.grad().toFloatArray());
        assertArrayEquals(new int[] {0, 4}, x.grad().shape());
    }

    @Test
    void badArgumentsNameTheOpAndTheShapes() {
        Tensor x = Tensor.zeros(2, 3, 4);
        assertMessage(() -> x.layerNorm(new int[] {3}, null, null, 1e-5), "layer_norm", "[3]", "[2, 3, 4]");
        assertMessage(() -> x.layerNorm(new int[] {2, 3, 4, 5}, null, null, 1e-5), "layer_norm", "[2, 3, 4, 5]", "[2, 3, 4]");
        assertMessage(() -> x.layerNorm(new int[] {4}, Tensor.ones(3), null, 1e-5), "layer_norm", "weight", "[3]", "[4]");
        assertMessage(() -> x.layerNorm(new int[] {3, 4}, null, Tensor.zeros(4), 1e-5), "layer_norm", "bias", "[4]", "[3, 4]");
        assertMessage(() -> x.layerNorm(new int[] {}, null, null, 1e-5), "layer_norm", "normalizedShape", "[]");
        assertMessage(() -> x.layerNorm(new int[] {4}, null, null, Double.NaN), "layer_norm", "eps", "NaN");
        assertMessage(() -> x.layerNorm(new int[] {4}, null, null, -1), "layer_norm", "eps");
        assertMessage(() -> Tensor.zeros(DType.INT64, 2, 4).layerNorm(new int[] {4}, null, null, 1e-5), "layer_norm", "int64");
        assertMessage(() -> x.layerNorm(null, null, null, 1e-5), "layer_norm", "normalizedShape");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String... parts) {
        RuntimeException e = assertThrows(RuntimeException.class, call);
        for (String p : parts) assertTrue(e.getMessage() != null && e.getMessage().toLowerCase().contains(p.toLowerCase()), e.getMessage());
    }
}
