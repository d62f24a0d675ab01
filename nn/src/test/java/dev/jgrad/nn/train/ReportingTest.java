package dev.jgrad.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The progress bar's text and the training-curve SVG. */
class ReportingTest {
    @TempDir
    Path dir;

    private static Map<String, Double> logs(Object... kv) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], ((Number) kv[i + 1]).doubleValue());
        return m;
    }

    /** Runs one epoch of {@code batches} batches of 5 samples, batch b having loss b. */
    private static void epoch(ProgressBar bar, int batches) {
        bar.onTrainBegin(null, 2, batches, 5 * batches);
        bar.onEpochBegin(null, 1);
        for (int b = 1; b <= batches; b++) bar.onBatchEnd(null, 1, b, b, 5);
        bar.onEpochEnd(null, 1, logs("loss", 1.5, "accuracy", 0.93456, "lr", 0.1, "seconds", 2.46, "val_loss", 0.5));
    }

    @Test
    void nonInteractiveProgressPrintsTenLinesAndASummary() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        epoch(bar, 20);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(out.contains("\r"), "no carriage returns in logs");
        List<String> lines = out.lines().toList();
        assertEquals(11, lines.size(), out);
        for (int i = 0; i < 10; i++) {
            int b = 2 * (i + 1), filled = b * 24 / 20;
            String barText = filled == 24 ? "=".repeat(24) : "=".repeat(filled - 1) + ">" + " ".repeat(24 - filled);
            String prefix = String.format(java.util.Locale.ROOT, "epoch 1/2 [%s] %d/20  loss %.4f  ", barText, b, (b + 1) / 2.0);
            String line = lines.get(i);
            assertTrue(line.startsWith(prefix), "line " + i + ":\n" + line + "\nexpected to start with\n" + prefix);
            assertTrue(line.substring(prefix.length()).matches("\\d+ samples/s  ETA \\d+:\\d\\d"), line);
        }
        assertTrue(lines.get(9).endsWith("ETA 0:00"), lines.get(9));
        assertEquals("epoch 1/2 done in 2.5s  loss 1.5000  accuracy 0.9346  val_loss 0.5000", lines.get(10));
    }

    @Test
    void interactiveProgressRedrawsInPlace() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        epoch(bar, 3);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(3 + 2, out.split("\r", -1).length - 1, "a carriage return before each of 3 redraws and two to clear: " + out);
        assertTrue(out.startsWith("\repoch 1/2 [=======>                ] 1/3  loss 1.0000  "), out);
        assertTrue(out.endsWith("\r" + " ".repeat(100) + "\repoch 1/2 done in 2.5s  loss 1.5000  accuracy 0.9346  val_loss 0.5000"
                + System.lineSeparator()), out);
        assertEquals(1, out.chars().filter(ch -> ch == '\n').count(), "one newline only: after the summary");
    }

    private static Document parse(Path svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(svg.toFile());
    }

    private static List<String> texts(Document d) {
        List<String> out = new ArrayList<>();
        NodeList ts = d.getElementsByTagNameNS("*", "text");
        for (int i = 0; i < ts.getLength(); i++) out.add(ts.item(i).getTextContent());
        return out;
    }

    @Test
    void curvePlotWritesAWellFormedSvg() throws Exception {
        Path file = dir.resolve("plots/curves.svg");
        CurvePlot plot = new CurvePlot(file);
        plot.onEpochEnd(null, 1, logs("loss", 1.0, "accuracy", 0.5, "lr", 0.1, "val_loss", 1.2, "val_accuracy", 0.4, "p<r&f", 0.3, "seconds", 1));
        plot.onEpochEnd(null, 2, logs("loss", 0.6, "accuracy", 0.7, "lr", 0.1, "val_accuracy", 0.6, "p<r&f", 0.5, "seconds", 1));
        plot.onEpochEnd(null, 3, logs("loss", 0.3, "accuracy", 0.9, "lr", 0.05, "val_loss", 0.4, "val_accuracy", 0.8, "p<r&f", 0.7, "seconds", 1));

        Document d = parse(file);
        Element svg = d.getDocumentElement();
        assertEquals("svg", svg.getLocalName());
        assertEquals("http://www.w3.org/2000/svg", svg.getNamespaceURI());
        assertEquals("960", svg.getAttribute("width"), "two charts side by side");
        assertEquals(2, d.getElementsByTagNameNS("*", "g").getLength());
        List<String> t = texts(d);
        for (String s : List.of("Loss", "Metrics", "loss", "val_loss", "accuracy", "val_accuracy", "p<r&f", "epoch")) {
            assertTrue(t.contains(s), "text \"" + s + "\" in " + t);
        }
        assertFalse(t.contains("lr") || t.contains("seconds"), "lr and seconds are not plotted: " + t);

        NodeList lines = d.getElementsByTagNameNS("*", "polyline");
        assertEquals(5, lines.getLength(), "loss, val_loss | accuracy, val_accuracy, p<r&f");
        int[] expectedPoints = {3, 2, 3, 3, 3};   // val_loss is missing at epoch 2
        for (int i = 0; i < lines.getLength(); i++) {
            String[] pts = ((Element) lines.item(i)).getAttribute("points").trim().split(" ");
            assertEquals(expectedPoints[i], pts.length, "polyline " + i);
            double lastX = -1;
            for (String p : pts) {
                String[] xy = p.split(",");
                double x = Double.parseDouble(xy[0]), y = Double.parseDouble(xy[1]);
                assertTrue(x >= 64 && x <= 480 - 16 && y >= 36 && y <= 320 - 48, "point " + p + " inside the plot area");
                assertTrue(x > lastX, "epochs run left to right");
                lastX = x;
            }
        }
    }

    @Test
    void linePlotHandlesDegenerateSeries() throws Exception {
        var charts = List.of(
                new LinePlot.Chart("one point", "x", "y", false, false, List.of(new LinePlot.Series("a", new double[] {1}, new double[] {2}))),
                new LinePlot.Chart("empty", "x", "y", false, false, List.of()),
                new LinePlot.Chart("log & nan", "n", "t", true, true, List.of(new LinePlot.Series("b", new double[] {0, 10, 100, 1000},
                        new double[] {Double.NaN, 1e-3, 0, 5}))));
        Path file = dir.resolve("degenerate.svg");
        LinePlot.write(file, charts);
        String text = java.nio.file.Files.readString(file);
        assertFalse(text.contains("NaN") || text.contains("Infinity"), text);
        Document d = parse(file);
        assertEquals(3, d.getElementsByTagNameNS("*", "g").getLength());
        assertTrue(texts(d).contains("log & nan"));
        NodeList lines = d.getElementsByTagNameNS("*", "polyline");
        assertEquals(2, lines.getLength());
        assertEquals(2, ((Element) lines.item(1)).getAttribute("points").trim().split(" ").length, "NaN, 0 on a log axis and x=0 are skipped");
    }
}
