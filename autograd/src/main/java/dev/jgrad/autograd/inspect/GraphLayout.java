package dev.jgrad.autograd.inspect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Positions for drawing a {@link Graph} in layers: each op one layer after its deepest input,
 * each leaf one layer before its first consumer, and positions within a layer relaxed a few
 * times towards the mean of each node's neighbours so that chains come out straight. Layers
 * run left to right, or top to bottom when that shows a deep graph larger. Constants are not
 * placed (they are written inside their op's box).
 */
final class GraphLayout {
    static final int WIDTH = 210, HEIGHT = 72, COL_GAP = 70, ROW_GAP = 24, LAYER_GAP = 30, MARGIN = 20;
    /** The window the orientation is chosen for. */
    private static final double VIEW_W = 1100, VIEW_H = 720;

    /** Top-left corner of each drawn node's box, by node id (unused for constants). */
    final int[] x, y;
    final int width, height;
    /** Whether layers run top to bottom (leaves at the top) rather than left to right. */
    final boolean topDown;

    private GraphLayout(int[] x, int[] y, int width, int height, boolean topDown) {
        this.x = x;
        this.y = y;
        this.width = width;
        this.height = height;
        this.topDown = topDown;
    }

    static boolean drawn(Graph.Node n) {
        return n.kind() != Graph.Kind.CONSTANT;
    }

    static GraphLayout of(Graph g) {
        int n = g.nodes().size();
        List<List<Integer>> consumers = new ArrayList<>();
        for (int i = 0; i < n; i++) consumers.add(new ArrayList<>());
        for (Graph.Node node : g.nodes()) for (int in : node.inputs()) if (drawn(g.node(in))) consumers.get(in).add(node.id());

        int[] col = new int[n];
        for (Graph.Node node : g.nodes()) {           // inputs come first, so one pass suffices
            if (node.isLeaf()) continue;
            int c = 0;
            for (int in : node.inputs()) if (drawn(g.node(in))) c = Math.max(c, (g.node(in).isLeaf() ? 0 : col[in]) + 1);
            col[node.id()] = Math.max(c, 1);
        }
        for (Graph.Node node : g.nodes()) {
            if (!node.isLeaf()) continue;
            int c = Integer.MAX_VALUE;
            for (int out : consumers.get(node.id())) c = Math.min(c, col[out] - 1);
            col[node.id()] = c == Integer.MAX_VALUE ? 0 : c;
        }

        Map<Integer, List<Integer>> columns = new TreeMap<>();
        for (Graph.Node node : g.nodes()) if (drawn(node)) columns.computeIfAbsent(col[node.id()], k -> new ArrayList<>()).add(node.id());
        double[] slot = new double[n];   // position within the layer, at least 1 apart
        for (List<Integer> ids : columns.values()) for (int i = 0; i < ids.size(); i++) slot[ids.get(i)] = i;

        for (int round = 0; round < 4; round++) {
            for (List<Integer> ids : columns.values()) {
                double[] want = new double[n];
                for (int id : ids) {
                    double sum = 0;
                    int count = 0;
                    for (int in : g.node(id).inputs()) if (drawn(g.node(in))) { sum += slot[in]; count++; }
                    for (int out : consumers.get(id)) { sum += slot[out]; count++; }
                    want[id] = count == 0 ? slot[id] : sum / count;
                }
                ids.sort(Comparator.<Integer>comparingDouble(id -> want[id]).thenComparingInt(id -> id));
                double prev = Double.NEGATIVE_INFINITY;
                for (int id : ids) {
                    slot[id] = Math.max(want[id], prev + 1);
                    prev = slot[id];
                }
            }
        }

        double minSlot = Double.POSITIVE_INFINITY, maxSlot = Double.NEGATIVE_INFINITY;
        int maxCol = 0, minCol = Integer.MAX_VALUE;
        for (Graph.Node node : g.nodes()) {
            if (!drawn(node)) continue;
            minSlot = Math.min(minSlot, slot[node.id()]);
            maxSlot = Math.max(maxSlot, slot[node.id()]);
            maxCol = Math.max(maxCol, col[node.id()]);
            minCol = Math.min(minCol, col[node.id()]);
        }
        int layers = maxCol - minCol + 1;
        double span = maxSlot - minSlot;
        // left to right, or top to bottom for deep graphs: whichever fits a landscape window at the larger scale
        double lrW = layers * (WIDTH + COL_GAP), lrH = (span + 1) * (HEIGHT + ROW_GAP);
        double tbW = (span + 1) * (WIDTH + COL_GAP / 2.0), tbH = layers * (HEIGHT + LAYER_GAP);
        boolean topDown = Math.min(VIEW_W / tbW, VIEW_H / tbH) > Math.min(VIEW_W / lrW, VIEW_H / lrH);
        int[] x = new int[n], y = new int[n];
        int right = 0, bottom = 0;
        for (Graph.Node node : g.nodes()) {
            if (!drawn(node)) continue;
            int layer = col[node.id()] - minCol;
            double pos = slot[node.id()] - minSlot;
            x[node.id()] = MARGIN + (int) Math.round(topDown ? pos * (WIDTH + COL_GAP / 2.0) : layer * (WIDTH + COL_GAP));
            y[node.id()] = MARGIN + (int) Math.round(topDown ? layer * (HEIGHT + LAYER_GAP) : pos * (HEIGHT + ROW_GAP));
            right = Math.max(right, x[node.id()] + WIDTH);
            bottom = Math.max(bottom, y[node.id()] + HEIGHT);
        }
        return new GraphLayout(x, y, right + MARGIN, bottom + MARGIN, topDown);
    }
}
