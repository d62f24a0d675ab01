package dev.jgrad.autograd;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Positions for drawing a {@link Graph} left to right: each op one column after its deepest
 * input, each leaf one column before its first consumer, and rows relaxed a few times towards
 * the mean height of each node's neighbours so that chains come out straight. Constants are
 * not placed (they are written inside their op's box).
 */
final class GraphLayout {
    static final int WIDTH = 210, HEIGHT = 76, COL_GAP = 70, ROW_GAP = 26, MARGIN = 20;

    /** Top-left corner of each drawn node's box, by node id; null for constants. */
    final int[] x, y;
    final int width, height;

    private GraphLayout(int[] x, int[] y, int width, int height) {
        this.x = x;
        this.y = y;
        this.width = width;
        this.height = height;
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
        double[] yc = new double[n];
        for (List<Integer> ids : columns.values()) for (int i = 0; i < ids.size(); i++) yc[ids.get(i)] = i * (HEIGHT + ROW_GAP);

        for (int round = 0; round < 4; round++) {
            for (List<Integer> ids : columns.values()) {
                double[] want = new double[n];
                for (int id : ids) {
                    double sum = 0;
                    int count = 0;
                    for (int in : g.node(id).inputs()) if (drawn(g.node(in))) { sum += yc[in]; count++; }
                    for (int out : consumers.get(id)) { sum += yc[out]; count++; }
                    want[id] = count == 0 ? yc[id] : sum / count;
                }
                ids.sort(Comparator.<Integer>comparingDouble(id -> want[id]).thenComparingInt(id -> id));
                double prev = Double.NEGATIVE_INFINITY;
                for (int id : ids) {
                    yc[id] = Math.max(want[id], prev + HEIGHT + ROW_GAP);
                    prev = yc[id];
                }
            }
        }

        double minY = Double.POSITIVE_INFINITY;
        int maxCol = 0, minCol = Integer.MAX_VALUE;
        for (Graph.Node node : g.nodes()) {
            if (!drawn(node)) continue;
            minY = Math.min(minY, yc[node.id()]);
            maxCol = Math.max(maxCol, col[node.id()]);
            minCol = Math.min(minCol, col[node.id()]);
        }
        int[] x = new int[n], y = new int[n];
        int bottom = 0;
        for (Graph.Node node : g.nodes()) {
            if (!drawn(node)) continue;
            x[node.id()] = MARGIN + (col[node.id()] - minCol) * (WIDTH + COL_GAP);
            y[node.id()] = MARGIN + (int) Math.round(yc[node.id()] - minY);
            bottom = Math.max(bottom, y[node.id()] + HEIGHT);
        }
        int right = MARGIN + (maxCol - minCol) * (WIDTH + COL_GAP) + WIDTH;
        return new GraphLayout(x, y, right + MARGIN, bottom + MARGIN);
    }
}
