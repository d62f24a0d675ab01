package dev.jgrad.autograd.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The HTML page in a real headless Chromium: tools/html-test/drive.mjs clicks Next through the
 * whole pass and back with Previous, checking the highlighted node, the formulas and every
 * gradient shown against the JSON written beside the page.
 *
 * <p>Needs Chromium ({@code /usr/bin/chromium}, or {@code JGRAD_CHROMIUM}), Node.js and npm
 * (to install playwright-core into target/); without them the test is skipped, unless
 * {@code -Djgrad.browserTest=required} (as tools/html-test/run.sh passes) turns the skip into a
 * failure. {@code -Djgrad.screenshot=PATH} also saves a picture of the page mid-pass.
 */
class HtmlPageBrowserTest {
    private static final boolean REQUIRED = "required".equals(System.getProperty("jgrad.browserTest"));

    /** A 2-4-1 tanh/sigmoid MLP on the four XOR points, with named parameters: the page's demo graph. */
    static Tensor xorLoss() {
        Generator g = new Generator(7);
        Tensor x = Tensor.of(new double[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2).name("X");
        Tensor y = Tensor.of(new double[] {0, 1, 1, 0}, 4, 1).name("Y");
        Tensor w1 = Tensor.randn(g, 2, 4).to(DType.FLOAT64).requiresGrad(true).name("W1");
        Tensor b1 = Tensor.zeros(DType.FLOAT64, 4).requiresGrad(true).name("b1");
        Tensor w2 = Tensor.randn(g, 4, 1).to(DType.FLOAT64).requiresGrad(true).name("W2");
        Tensor b2 = Tensor.zeros(DType.FLOAT64, 1).requiresGrad(true).name("b2");
        Tensor h = x.matmul(w1).add(b1).tanh().name("h");
        Tensor p = h.matmul(w2).add(b2).sigmoid().name("p");
        return p.sub(y).square().mean().name("L");
    }

    @Test
    void nextAndPreviousReplayThePassInChromium() throws Exception {
        Path chromium = findChromium();
        need(chromium != null, "Chromium is not installed (apt-get install chromium, or set JGRAD_CHROMIUM)");
        need(GraphExportTest.onPath("node") && GraphExportTest.onPath("npm"), "Node.js and npm are not installed");
        Path tools = findTools();
        need(tools != null, "tools/html-test/drive.mjs not found above " + Path.of("").toAbsolutePath());

        Path work = Path.of("target", "html-test").toAbsolutePath();
        Files.createDirectories(work);
        for (String f : List.of("drive.mjs", "package.json")) Files.copy(tools.resolve(f), work.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        if (!Files.isDirectory(work.resolve("node_modules/playwright-core"))) {
            Run npm = run(work, 300, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error");
            need(npm.exit == 0, "npm install playwright-core failed (no registry?):\n" + npm.output);
        }

        BackwardStepper stepper = new BackwardStepper(xorLoss());
        Path page = work.resolve("backprop.html");
        Path json = HtmlExport.write(stepper, page);
        List<String> cmd = new ArrayList<>(List.of("node", "drive.mjs", "--chromium", chromium.toString(),
                "--page", page.toString(), "--data", json.toString()));
        String shot = System.getProperty("jgrad.screenshot");
        if (shot != null && !shot.isBlank()) cmd.addAll(List.of("--screenshot", Path.of(shot).toAbsolutePath().toString()));
        Run drive = run(work, 240, cmd.toArray(String[]::new));
        System.out.println(drive.output);
        assertEquals(0, drive.exit, drive.output);
        assertTrue(drive.output.contains("html-test: " + stepper.total() + " steps checked"), drive.output);
    }

    private static void need(boolean ok, String why) {
        if (REQUIRED) assertTrue(ok, why);
        else assumeTrue(ok, why);
    }

    private static Path findChromium() {
        String env = System.getenv("JGRAD_CHROMIUM");
        if (env != null && Files.isExecutable(Path.of(env))) return Path.of(env);
        for (String p : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) if (Files.isExecutable(Path.of(p))) return Path.of(p);
        return null;
    }

    private static Path findTools() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path t = d.resolve("tools/html-test");
            if (Files.isRegularFile(t.resolve("drive.mjs"))) return t;
        }
        return null;
    }

    private record Run(int exit, String output) {}

    private static Run run(Path dir, int timeoutSeconds, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("jgrad-html-test", ".log");
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return new Run(-1, String.join(" ", command) + " timed out after " + timeoutSeconds + " s\n" + Files.readString(log));
            }
            return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
