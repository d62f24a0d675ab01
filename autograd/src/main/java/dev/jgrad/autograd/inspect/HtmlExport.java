package dev.jgrad.autograd.inspect;

import dev.jgrad.tensor.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A self-contained HTML page that replays a backward pass: the graph drawn as SVG (laid out
 * here, in columns by depth), forward values and gradients in each box, and Next/Previous
 * buttons that step through the pass node by node, highlighting the active node and showing
 * the formula applied and the gradients sent. Script and styles are inline: the page needs no
 * network and opens from a file.
 *
 * <pre>{@code
 * BackwardStepper stepper = new BackwardStepper(loss);
 * HtmlExport.write(stepper, Path.of("backprop.html"));   // also writes backprop.json
 * }</pre>
 *
 * Exporting runs the stepper's remaining steps, so the page covers the whole pass.
 */
public final class HtmlExport {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(TITLE|CSS|SVG|DATA|JS)}}");

    private HtmlExport() {}

    /**
     * {@return the page, titled "Backpropagation, step by step"}
     *
     * @param stepper the stepper whose pass the page replays
     */
    public static String html(BackwardStepper stepper) {
        return html(stepper, "Backpropagation, step by step");
    }

    /**
     * {@return the page with a title of your choice}
     *
     * @param stepper the stepper whose pass the page replays
     * @param title   the page's title
     */
    public static String html(BackwardStepper stepper, String title) {
        stepper.runToEnd();
        Map<String, String> parts = Map.of("TITLE", escape(title), "CSS", resource("stepper.css"), "SVG", SvgGraph.svg(stepper.graph()),
                "DATA", json(stepper), "JS", resource("stepper.js"));
        Matcher m = PLACEHOLDER.matcher(resource("stepper.html"));
        StringBuilder sb = new StringBuilder();
        while (m.find()) m.appendReplacement(sb, Matcher.quoteReplacement(parts.get(m.group(1))));
        return m.appendTail(sb).toString();
    }

    /**
     * What the page replays, as JSON: {@code nodes} (id, heading, kind, shape, value) and
     * {@code steps} (node, rule, formulas, upstream, inputs, gradients sent, leaf grads), with
     * the same text the page shows, so a test can check the page against it.
     *
     * @param stepper the stepper whose pass is described
     * @return the JSON text
     */
    public static String json(BackwardStepper stepper) {
        stepper.runToEnd();
        Graph g = stepper.graph();
        List<Object> nodes = new ArrayList<>();
        for (Graph.Node n : g.nodes()) {
            nodes.add(map("id", n.id(), "heading", Labels.heading(n), "kind", n.kind().name(), "drawn", GraphLayout.drawn(n),
                    "shape", TensorText.shape(n.tensor()), "value", TensorText.values(n.tensor())));
        }
        List<Object> steps = new ArrayList<>();
        for (NodeStep s : stepper.steps()) steps.add(step(s));
        return scriptSafe(Json.write(map("root", g.root().id(), "loss", TensorText.values(g.root().tensor()), "total", stepper.total(),
                "nodes", nodes, "steps", steps)));
    }

    /**
     * JSON that can sit inside an HTML script element: the characters that could end the element
     * or a line there are escaped (they only occur inside JSON strings, where \\uXXXX means the same).
     */
    private static String scriptSafe(String json) {
        return json.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
    }

    private static Map<String, Object> step(NodeStep s) {
        List<Object> inputs = new ArrayList<>(), sent = new ArrayList<>(), leaves = new ArrayList<>();
        for (int i = 0; i < s.inputs().size(); i++) {
            Graph.Node in = s.inputs().get(i);
            String heading = in.kind() == Graph.Kind.CONSTANT ? "constant" : Labels.heading(in);
            inputs.add(map("role", s.inputRoles().get(i), "id", in.id(), "heading", heading, "value", TensorText.values(in.tensor())));
            if (s.inputGrads().get(i) != null) {
                sent.add(map("role", s.inputRoles().get(i), "to", in.id(), "heading", heading,
                        "value", TensorText.values(s.inputGrads().get(i))));
            }
        }
        for (int i = 0; i < s.leavesChanged().size(); i++) {
            Graph.Node leaf = s.leavesChanged().get(i);
            leaves.add(map("id", leaf.id(), "heading", Labels.heading(leaf), "grad", TensorText.values(s.leafGrads().get(i)),
                    "gradShort", TensorText.values(s.leafGrads().get(i), Labels.SHORT)));
        }
        return map("index", s.index(), "node", s.node().id(), "heading", Labels.heading(s.node()), "op", s.node().tensor().op().name(),
                "rule", s.rule().name(), "forward", s.rule().forward(), "backward", s.rule().backward(),
                "output", TensorText.shape(s.output()) + "  " + TensorText.values(s.output()),
                "upstream", TensorText.values(s.upstream()), "upstreamShort", TensorText.values(s.upstream(), Labels.SHORT),
                "inputs", inputs, "sent", sent, "leaves", leaves);
    }

    /**
     * Writes the page to {@code html} and its {@link #json data} beside it (same name, {@code .json}).
     *
     * @param stepper the stepper whose pass the page replays
     * @param html    the page's path
     * @return the JSON file's path
     * @throws java.io.IOException when a file cannot be written
     */
    public static Path write(BackwardStepper stepper, Path html) throws IOException {
        Path parent = html.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(html, html(stepper), StandardCharsets.UTF_8);
        String name = html.getFileName().toString();
        Path json = html.resolveSibling((name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name) + ".json");
        Files.writeString(json, json(stepper), StandardCharsets.UTF_8);
        return json;
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /**
     * The page's template, styles or script. The name is relative, so it resolves in this class's
     * own package (dev/jgrad/autograd/inspect/) whether the jar is on the class path or the module
     * path: a module may read the resources of its own packages without opening them.
     */
    private static String resource(String name) {
        try (InputStream in = HtmlExport.class.getResourceAsStream(name)) {
            if (in == null) {
                String path = HtmlExport.class.getPackageName().replace('.', '/') + "/" + name;
                throw new IllegalStateException("HtmlExport: resource " + path + " is missing from the jgrad-autograd jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
