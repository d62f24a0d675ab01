package dev.jgrad.autograd.inspect;

import static dev.jgrad.autograd.inspect.GraphLayout.HEIGHT;
import static dev.jgrad.autograd.inspect.GraphLayout.WIDTH;

import java.util.List;
import java.util.Locale;

/**
 * The graph as an SVG element for {@link HtmlExport}: one {@code <g class="node …" id="n<id>">}
 * box per drawn node (heading, detail, value and a {@code <text id="g<id>">} gradient line the
 * page's script fills in) and one {@code <path class="edge" data-from data-to>} per input edge.
 */
final class SvgGraph {
    private SvgGraph() {}

    static String svg(Graph g) {
        GraphLayout l = GraphLayout.of(g);
        StringBuilder sb = new StringBuilder();
        sb.append("<svg id=\"graph\" class=\"").append(l.topDown ? "top-down" : "left-right").append("\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(l.width).append("\" height=\"").append(l.height)
                .append("\" viewBox=\"0 0 ").append(l.width).append(' ').append(l.height).append("\">\n");
        sb.append("<defs>").append(marker("arrow", "#9aa3ad")).append(marker("arrow-flow", "#d9480f")).append("</defs>\n");
        for (Graph.Node n : g.nodes()) {
            if (n.isLeaf()) continue;
            List<String> roles = Formulas.inputNames(n.tensor().op());
            List<Integer> ins = n.inputs();
            for (int i = 0; i < ins.size(); i++) {
                Graph.Node in = g.node(ins.get(i));
                if (!GraphLayout.drawn(in)) continue;
                double spread = (i - (ins.size() - 1) / 2.0) * (l.topDown ? 40 : 16);
                double x1, y1, x2, y2, c1x, c1y, c2x, c2y, lx, ly;
                if (l.topDown) {
                    x1 = l.x[in.id()] + WIDTH / 2.0; y1 = l.y[in.id()] + HEIGHT;
                    x2 = l.x[n.id()] + WIDTH / 2.0 + spread; y2 = l.y[n.id()] - 2;
                    c1x = x1; c1y = (y1 + y2) / 2; c2x = x2; c2y = (y1 + y2) / 2; lx = x2 - 5; ly = y2 - 6;
                } else {
                    x1 = l.x[in.id()] + WIDTH; y1 = l.y[in.id()] + HEIGHT / 2.0;
                    x2 = l.x[n.id()] - 2; y2 = l.y[n.id()] + HEIGHT / 2.0 + spread;
                    c1x = (x1 + x2) / 2; c1y = y1; c2x = (x1 + x2) / 2; c2y = y2; lx = x2 - 6; ly = y2 - 4;
                }
                sb.append(String.format(Locale.ROOT, "<path class=\"edge\" data-from=\"%d\" data-to=\"%d\" d=\"M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>",
                        in.id(), n.id(), x1, y1, c1x, c1y, c2x, c2y, x2, y2));
                sb.append(String.format(Locale.ROOT, "<text class=\"role\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                        lx, ly, HtmlExport.escape(roles.get(i))));
            }
        }
        for (Graph.Node n : g.nodes()) {
            if (!GraphLayout.drawn(n)) continue;
            String kind = switch (n.kind()) {
                case PARAMETER -> "param";
                case INPUT, CONSTANT -> "input";
                case OP -> "op";
            };
            sb.append("<g class=\"node ").append(kind).append("\" id=\"n").append(n.id()).append("\" transform=\"translate(")
                    .append(l.x[n.id()]).append(',').append(l.y[n.id()]).append(")\">");
            sb.append("<title>").append(HtmlExport.escape(Labels.heading(n) + "\nshape " + TensorText.shape(n.tensor())
                    + "\nvalue " + TensorText.values(n.tensor()))).append("</title>");
            sb.append("<rect width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT).append("\" rx=\"8\"/>");
            text(sb, "h", 18, Labels.heading(n), null);
            text(sb, "d", 34, Labels.detail(g, n), null);
            text(sb, "v", 50, Labels.value(n), null);
            text(sb, "grad", 65, n.kind() == Graph.Kind.INPUT ? "no grad" : "grad —", "g" + n.id());
            sb.append("</g>\n");
        }
        return sb.append("</svg>").toString();
    }

    private static void text(StringBuilder sb, String cls, int y, String s, String id) {
        sb.append("<text class=\"").append(cls).append('"').append(id != null ? " id=\"" + id + "\"" : "")
                .append(" x=\"10\" y=\"").append(y).append("\">").append(HtmlExport.escape(s)).append("</text>");
    }

    private static String marker(String id, String color) {
        return "<marker id=\"" + id + "\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
                + "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"" + color + "\"/></marker>";
    }
}
