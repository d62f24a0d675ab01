package dev.jgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.tensor.Device;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./jgrad example backprop-stepper}: steps through a pass, matches backward(), learns XOR. */
class BackpropStepperDemoTest {

    private static String run(String input, String... args) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BackpropStepperDemo.Result r = BackpropStepperDemo.run(args,
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertTrue(r.sameAsBackward(), "stepper and backward() disagree");
        assertEquals(4, r.correct(), "XOR not learned");
        assertTrue(r.lastLoss() < r.firstLoss() / 10, r.firstLoss() + " → " + r.lastLoss());
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void noPauseRunsStraightThrough(@TempDir Path dir) throws IOException {
        Path html = dir.resolve("xor.html"), dot = dir.resolve("xor.dot");
        String out = run("", "--no-pause", "--html", html.toString(), "--dot", dot.toString());
        for (int i = 1; i <= 12; i++) assertTrue(out.contains("── step " + i + "/12 · "), "step " + i + " missing:\n" + out);
        assertTrue(out.contains("rule        matrix product rule"), out);
        assertTrue(out.contains("leaf grads  fc1.weight.grad = "), out);
        assertTrue(out.contains(" · #2 fc1.weightᵀ ──"), "titled by the calls:\n" + out);
        assertTrue(!out.contains("(Permute)"), "primitives only on request");
        assertTrue(out.contains("Gradients identical to loss.backward(): yes"), out);
        assertTrue(!out.contains("[Enter]"), "no prompt with --no-pause");
        assertTrue(Files.readString(html).contains("<svg id=\"graph\""));
        assertTrue(Files.exists(dir.resolve("xor.json")));
        assertTrue(Files.readString(dot).startsWith("digraph jgrad {"));
    }

    @Test
    void primitivesFlagNamesEachNodesPrimitiveToo() throws IOException {
        String out = run("", "--no-pause", "--primitives");
        assertTrue(out.contains(" · #2 fc1.weightᵀ (Permute) ──"), out);
        assertTrue(out.contains("x·Wᵀ + b (Add)") && out.contains("square (PowScalar)") && out.contains("mean (Div) L"), out);
    }

    @Test
    void pausesAtEachNodeUntilToldToContinue() throws IOException {
        String out = run("\n\nc\n", "--steps", "1500");
        assertEquals(3, out.split("\\[Enter] next node", -1).length - 1, "two Enters and a c: three prompts\n" + out);
        assertTrue(out.contains("── step 12/12"), out);
    }

    @Test
    void runsOnCudaToo() throws IOException {
        assumeTrue(!Device.best().equals(Device.CPU), "no CUDA device");
        String out = run("", "--no-pause", "--device", "cuda");
        assertTrue(out.contains("on cuda:0"), out);
    }
}
