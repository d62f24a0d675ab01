package dev.jgrad.autograd.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The graph, its DOT text and the self-contained HTML page. */
class GraphExportTest {

    /** L = ½(W₁x₁ + W₂x₂ + b − y)². */
    static Tensor classicLoss() {
        Tensor w1 = Tensor.scalar(1).requiresGrad(true).name("W1");
        Tensor w2 = Tensor.scalar(1).requiresGrad(true).name("W2");
        Tensor b = Tensor.scalar(2).requiresGrad(true).name("b");
        Tensor x1 = Tensor.scalar(2).name("x1"), x2 = Tensor.scalar(3).name("x2"), y = Tensor.scalar(5).name("y");
        return w1.mul(x1).add(w2.mul(x2)).add(b).name("ŷ").sub(y).square().mul(0.5).name("L");
    }

    @Test
    void graphNumbersInputsFirstAndSortsLeavesByKind() {
        Graph g = Graph.of(classicLoss());
        assertEquals("L", g.root().name());
        assertEquals(g.nodes().size() - 1, g.root().id());
        for (Graph.Node n : g.nodes()) for (int in : n.inputs()) assertTrue(in < n.id(), n.ref());
        assertEquals(Graph.Kind.PARAMETER, g.node(0).kind());
        assertEquals("W1", g.node(0).title());
        assertEquals(Graph.Kind.INPUT, g.node(1).kind());
        assertEquals("#2 Mul", g.node(2).ref());
        assertEquals(Graph.Kind.CONSTANT, g.node(g.root().inputs().get(1)).kind(), "the ½");
        assertEquals("0.5", g.node(g.root().inputs().get(1)).title());
        assertEquals("Mul L", g.root().title());
    }

    @Test
    void dotHasEveryDrawnNodeAndEdgeWithGradients() {
        BackwardStepper stepper = new BackwardStepper(classicLoss());
        stepper.runToEnd();
        String dot = DotExport.dot(stepper);
        assertTrue(dot.startsWith("digraph jgrad {"), dot);
        assertTrue(dot.contains("label=\"W1\\nparameter · shape []\\n= 1\\ngrad 4\""), dot);
        assertTrue(dot.contains("label=\"#13 Mul L\\nb = 0.5 · shape []\\n= 2\\ngrad 1\""), dot);
        assertTrue(dot.contains("n0 -> n2 [label=\"a\"];"), dot);
        assertFalse(dot.contains("-> n12") || dot.contains("n12 ->"), "constants are drawn inside their op: " + dot);
        assertEquals(12, count(dot, " -> "), dot);
    }

    @Test
    void dotIsValidGraphvizWhenDotIsInstalled(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("dot"), "Graphviz's dot is not installed");
        Path file = dir.resolve("g.dot");
        Files.writeString(file, DotExport.dot(classicLoss()));
        Process p = new ProcessBuilder("dot", "-Tsvg", file.toString(), "-o", dir.resolve("g.svg").toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }

    @Test
    void htmlIsSelfContained(@TempDir Path dir) throws IOException {
        BackwardStepper stepper = new BackwardStepper(classicLoss());
        Path json = HtmlExport.write(stepper, dir.resolve("page.html"));
        assertEquals(dir.resolve("page.json"), json);
        String html = Files.readString(dir.resolve("page.html"));
        assertFalse(stepper.hasNext(), "exporting runs the whole pass");
        assertFalse(html.contains("{{"), "every placeholder filled");
        Matcher external = Pattern.compile("(?i)(src|href)\\s*=|<link|@import|url\\((?!#)|https?://(?!www\\.w3\\.org/2000/svg)").matcher(html);
        assertFalse(external.find(), () -> "the page refers to something outside itself: " + external.group());
        assertTrue(html.contains("<g class=\"node param\" id=\"n0\""), "W1 drawn as a parameter");
        assertTrue(html.contains("id=\"g0\""), "W1's gradient line");
        assertTrue(html.contains("<button id=\"next\"") && html.contains("<button id=\"prev\""));
        String data = Files.readString(json);
        assertTrue(html.contains(data), "the page embeds the JSON written beside it");
        assertEquals(7, count(data, "\"rule\":"));
        assertTrue(data.contains("\"leaves\":[{\"id\":0,\"heading\":\"W1\",\"grad\":\"4\",\"gradShort\":\"4\"}]"), data);
        assertTrue(data.contains("\\u003c") || !data.contains("<"), "no raw '<' inside the script element");
    }

    @Test
    void layoutPutsEveryOpAfterItsInputsWithoutOverlaps() {
        for (Tensor root : List.of(classicLoss(), HtmlPageBrowserTest.xorLoss())) {
            Graph g = Graph.of(root);
            GraphLayout l = GraphLayout.of(g);
            for (Graph.Node n : g.nodes()) {
                if (!GraphLayout.drawn(n)) continue;
                for (int in : n.inputs()) {
                    if (GraphLayout.drawn(g.node(in))) assertTrue(l.topDown ? l.y[in] < l.y[n.id()] : l.x[in] < l.x[n.id()], n.ref());
                }
                assertTrue(l.x[n.id()] + GraphLayout.WIDTH <= l.width && l.y[n.id()] + GraphLayout.HEIGHT <= l.height);
                for (Graph.Node m : g.nodes()) {
                    if (m.id() <= n.id() || !GraphLayout.drawn(m)) continue;
                    boolean apart = Math.abs(l.x[m.id()] - l.x[n.id()]) >= GraphLayout.WIDTH || Math.abs(l.y[m.id()] - l.y[n.id()]) >= GraphLayout.HEIGHT;
                    assertTrue(apart, "boxes overlap: " + n.ref() + ", " + m.ref());
                }
            }
        }
        List<Tensor> squares = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) squares.add(Tensor.scalar(i).requiresGrad(true).square().reshape(1));
        assertFalse(GraphLayout.of(Graph.of(Tensor.cat(squares, 0).sum())).topDown, "a wide, shallow graph runs left to right");
        assertTrue(GraphLayout.of(Graph.of(HtmlPageBrowserTest.xorLoss())).topDown, "a deep, narrow one top to bottom");
    }

    private static int count(String s, String part) {
        return s.split(Pattern.quote(part), -1).length - 1;
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return true;
        }
        return false;
    }
}
