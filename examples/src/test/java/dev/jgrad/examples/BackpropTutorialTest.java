package dev.jgrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.autograd.GradCheck;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Runs the code of docs/backprop.md: the numbers the tutorial states, every gradient the
 * stepper shows checked by central differences and by {@link GradCheck}, and the doc showing
 * exactly what the code prints.
 */
class BackpropTutorialTest {

    @Test
    void classicExample() {
        BackpropTutorial.Classic c = BackpropTutorial.classic(sink());
        assertEquals(7, c.yHat().item());
        assertEquals(2, c.loss().item());
        assertEquals(4, c.w1().grad().item());
        assertEquals(6, c.w2().grad().item());
        assertEquals(2, c.b().grad().item());
        GradCheck.Result r = GradCheck.check(p -> p.get(0).mul(2).add(p.get(1).mul(3)).add(p.get(2)).sub(5).square().mul(0.5),
                List.of(Tensor.scalar(1), Tensor.scalar(1), Tensor.scalar(2)));
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void mlpGradientsMatchCentralDifferencesAndGradcheck() {
        BackpropTutorial.Mlp m = BackpropTutorial.mlp(sink());
        for (Tensor p : List.of(m.fc1().weight, m.fc1().bias, m.fc2().weight, m.fc2().bias)) {
            assertArrayEquals(numericGrad(m::forward, p), p.grad().toDoubleArray(), 1e-7, p.name());
        }
        assertArrayEquals(new double[] {-3.802}, round(m.fc2().bias.grad()), 0);
        GradCheck.Result r = GradCheck.check(p -> p.get(0).matmul(p.get(1).t()).add(p.get(2)).tanh().matmul(p.get(3).t()).add(p.get(4))
                        .sub(p.get(5)).square().mean(),
                List.of(m.x(), m.fc1().weight.detach(), m.fc1().bias.detach(), m.fc2().weight.detach(), m.fc2().bias.detach(), m.y()));
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void convGradientsAreTheSumsOfTheInputsEachWeightTouched() {
        BackpropTutorial.Conv c = BackpropTutorial.conv(sink());
        assertEquals(46, c.loss().item());
        assertArrayEquals(new double[] {12, 16, 24, 28}, c.conv().weight.grad().toDoubleArray(), 0);
        assertArrayEquals(new double[] {4}, c.conv().bias.grad().toDoubleArray(), 0);
        for (Tensor p : List.of(c.conv().weight, c.conv().bias)) {
            assertArrayEquals(numericGrad(() -> c.conv().forward(c.image()).sum(), p), p.grad().toDoubleArray(), 1e-6, p.name());
        }
        GradCheck.Result r = GradCheck.check(p -> p.get(0).conv2d(p.get(1), p.get(2)).sum(),
                List.of(c.image(), c.conv().weight.detach(), c.conv().bias.detach()));
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void theDocShowsWhatTheCodePrints() throws IOException {
        String doc = Files.readString(docs().resolve("backprop.md"), StandardCharsets.UTF_8);
        List<Consumer<PrintStream>> parts = List.of(BackpropTutorial::classic, BackpropTutorial::mlp, BackpropTutorial::conv);
        for (int i = 0; i < parts.size(); i++) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            parts.get(i).accept(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            String printed = bytes.toString(StandardCharsets.UTF_8);
            int part = i + 1;
            assertTrue(doc.contains(printed), () -> "docs/backprop.md should show part " + part + "'s output exactly:\n" + printed);
        }
        assertTrue(Files.isRegularFile(docs().resolve("backprop-stepper.png")), "the screenshot the doc shows");
    }

    @Test
    void theDocsCodeIsTheCodeThatRuns() throws IOException {
        String doc = Files.readString(docs().resolve("backprop.md"), StandardCharsets.UTF_8);
        String source = Files.readString(Path.of("src/main/java/dev/jgrad/examples/BackpropTutorial.java"), StandardCharsets.UTF_8);
        String[] blocks = doc.split("<!-- code: BackpropTutorial.java -->\n```java\n");
        assertEquals(4, blocks.length, "three marked code blocks");
        for (int i = 1; i < blocks.length; i++) {
            for (String line : blocks[i].substring(0, blocks[i].indexOf("```")).split("\n")) {
                assertTrue(line.isBlank() || source.contains(line.strip()), "not in BackpropTutorial.java: " + line);
            }
        }
    }

    /** ∂loss/∂p by central differences in float64, changing p in place. */
    private static double[] numericGrad(Supplier<Tensor> loss, Tensor p) {
        double eps = 1e-6;
        double[] out = new double[p.numel()];
        try (var g = GradMode.noGrad()) {
            Tensor flat = p.reshape(-1);
            double[] v = p.toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                Tensor cell = flat.narrow(0, i, 1);
                cell.fill(v[i] + eps);
                double plus = loss.get().item();
                cell.fill(v[i] - eps);
                double minus = loss.get().item();
                cell.fill(v[i]);
                out[i] = (plus - minus) / (2 * eps);
            }
        }
        return out;
    }

    private static double[] round(Tensor t) {
        double[] v = t.toDoubleArray();
        for (int i = 0; i < v.length; i++) v[i] = Math.round(v[i] * 1000) / 1000.0;
        return v;
    }

    static Path docs() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("docs")) && Files.isRegularFile(d.resolve("docs/backprop.md"))) return d.resolve("docs");
        }
        throw new AssertionError("docs/backprop.md not found above " + Path.of("").toAbsolutePath());
    }

    private static PrintStream sink() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
