package dev.jgrad.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Einstein summation, as {@code torch.einsum}: subscripts are letters (a–z, A–Z), at most one
 * {@code ...} per operand stands for its remaining dimensions (right-aligned and broadcast across
 * operands), a subscript repeated within an operand takes the diagonal, sizes of 1 broadcast
 * against the others, and without {@code ->} the output is the ellipsis dimensions followed by
 * the subscripts that occur exactly once, upper case before lower case, each alphabetically.
 *
 * <p>It is lowered to ops every device has: diagonals are gathers of the flattened pair of
 * dimensions, a subscript no later operand and not the output needs is summed away as early as
 * possible, and the operands are contracted left to right, each pair permuted to
 * [batch, kept, contracted] and [batch, contracted, kept] and multiplied by one batched matmul.
 * Gradients flow through those ops.
 */
final class EinsumOps {
    private EinsumOps() {}

    /** Subscript ids: 0–25 for A–Z, 26–51 for a–z, then one per ellipsis dimension. */
    private static final int LETTERS = 52;

    /** One operand's subscripts as parsed: letter ids in order, with the ellipsis' place (−1 when none). */
    private record Term(int[] letters, int ellipsisAt) {}

    static Tensor einsum(String equation, List<Tensor> operands) {
        Checks.notNull("einsum", "equation", equation);
        Checks.tensors("einsum", operands);
        if (operands.isEmpty()) throw new IllegalArgumentException("einsum: expected at least one operand, got none");
        for (Tensor t : operands) Tensor.checkSameDevice("einsum", operands.get(0), t);
        int arrow = equation.indexOf("->");
        if (arrow >= 0 && equation.indexOf("->", arrow + 2) >= 0) {
            throw new IllegalArgumentException("einsum: \"" + equation + "\" has more than one '->'; expected inputs->output");
        }
        String lhs = arrow < 0 ? equation : equation.substring(0, arrow);
        String[] termText = lhs.split(",", -1);
        if (termText.length != operands.size()) {
            throw new IllegalArgumentException("einsum: \"" + equation + "\" gives subscripts for " + termText.length + " operand"
                    + (termText.length == 1 ? "" : "s") + " but " + operands.size() + " tensor" + (operands.size() == 1 ? " was" : "s were")
                    + " given; expected one comma-separated term per tensor");
        }
        int n = operands.size();
        Term[] terms = new Term[n];
        for (int i = 0, at = 0; i < n; at += termText[i].length() + 1, i++) terms[i] = parse(equation, termText[i], at, "operand " + i);

        // ellipsis dimensions: each operand's right-aligned into the widest
        int ellipsis = 0;
        for (int i = 0; i < n; i++) {
            int rank = operands.get(i).dim(), named = terms[i].letters().length;
            if (terms[i].ellipsisAt() < 0 ? named != rank : named > rank) {
                throw new IllegalArgumentException("einsum: operand " + i + " has " + rank + " dimensions (shape "
                        + Shapes.str(operands.get(i).layout.shape) + ") but its subscripts \"" + termText[i].strip() + "\" name " + named
                        + (terms[i].ellipsisAt() < 0 ? "; they must match, or use '...' for the rest" : ", more than it has"));
            }
            if (terms[i].ellipsisAt() >= 0) ellipsis = Math.max(ellipsis, rank - named);
        }
        int ids = LETTERS + ellipsis;
        int[][] labels = new int[n][];
        for (int i = 0; i < n; i++) labels[i] = expand(terms[i], operands.get(i).dim(), ellipsis);

        int[] size = sizes(operands, labels, ids);
        int[] out = arrow < 0 ? implicitOutput(labels, ids, ellipsis) : explicitOutput(equation, equation.substring(arrow + 2), arrow + 2,
                labels, ids, ellipsis);

        // contract left to right; a subscript is needed while the output or a later operand has it
        BitSet outSet = set(out);
        Tensor acc = null;
        int[] accLabels = null;
        for (int i = 0; i < n; i++) {
            BitSet later = (BitSet) outSet.clone();
            for (int j = i + 1; j < n; j++) later.or(set(labels[j]));
            Tensor t = operands.get(i);
            int[] l = labels[i];
            Tensor[] diag = {t};
            l = diagonals(diag, l);
            t = diag[0];
            if (acc == null) {
                Tensor[] s = {t};
                accLabels = sumAway(s, l, later);
                acc = s[0];
            } else {
                Tensor[] pair = {acc, t};
                accLabels = contract(pair, accLabels, l, later, size);
                acc = pair[0];
            }
        }
        Tensor[] s = {acc};
        accLabels = sumAway(s, accLabels, outSet);
        acc = s[0];
        int[] perm = new int[out.length];
        for (int k = 0; k < out.length; k++) perm[k] = indexOf(accLabels, out[k]);
        Tensor result = isIdentity(perm) ? acc : acc.permute(perm);
        return result == operands.get(0) ? result.clone() : result;   // einsum returns a new tensor, even for "ij->ij"
    }

    // ---- parsing ----------------------------------------------------------------------------------------------

    private static Term parse(String equation, String text, int at, String what) {
        List<Integer> letters = new ArrayList<>();
        int ellipsisAt = -1;
        for (int c = 0; c < text.length(); c++) {
            char ch = text.charAt(c);
            if (ch == ' ') continue;
            if (ch == '.') {
                if (!text.startsWith("...", c)) {
                    throw new IllegalArgumentException("einsum: '.' at position " + (at + c) + " of \"" + equation
                            + "\" is not part of an ellipsis '...'");
                }
                if (ellipsisAt >= 0) throw new IllegalArgumentException("einsum: " + what + " of \"" + equation + "\" has more than one '...'");
                ellipsisAt = letters.size();
                c += 2;
                continue;
            }
            int id = letterId(ch);
            if (id < 0) {
                throw new IllegalArgumentException("einsum: invalid character '" + ch + "' at position " + (at + c) + " of \"" + equation
                        + "\"; subscripts are letters a-z and A-Z, with at most one '...' per operand");
            }
            letters.add(id);
        }
        return new Term(letters.stream().mapToInt(Integer::intValue).toArray(), ellipsisAt);
    }

    private static int letterId(char ch) {
        if (ch >= 'A' && ch <= 'Z') return ch - 'A';
        if (ch >= 'a' && ch <= 'z') return 26 + ch - 'a';
        return -1;
    }

    private static String name(int id) {
        return id < 26 ? String.valueOf((char) ('A' + id)) : id < LETTERS ? String.valueOf((char) ('a' + id - 26)) : "...";
    }

    /** One id per dimension: the letters, with the operand's ellipsis dimensions as the last of the shared ellipsis ids. */
    private static int[] expand(Term t, int rank, int ellipsis) {
        if (t.ellipsisAt() < 0) return t.letters();
        int own = rank - t.letters().length;
        int[] ids = new int[rank];
        for (int k = 0, j = 0; k < rank; k++) {
            if (k >= t.ellipsisAt() && k < t.ellipsisAt() + own) ids[k] = LETTERS + ellipsis - own + (k - t.ellipsisAt());
            else ids[k] = t.letters()[j++];
        }
        return ids;
    }

    /** The size of every subscript: equal within an operand (a diagonal), equal or 1 across operands. */
    private static int[] sizes(List<Tensor> operands, int[][] labels, int ids) {
        int[] size = new int[ids];
        Arrays.fill(size, -1);
        for (int i = 0; i < labels.length; i++) {
            int[] own = new int[ids];
            Arrays.fill(own, -1);
            for (int k = 0; k < labels[i].length; k++) {
                int id = labels[i][k], s = operands.get(i).layout.shape[k];
                if (own[id] >= 0 && own[id] != s) {
                    throw new IllegalArgumentException("einsum: subscript '" + name(id) + "' is repeated in operand " + i + " with sizes "
                            + own[id] + " and " + s + "; a repeated subscript takes a diagonal and needs equal sizes");
                }
                own[id] = s;
                if (size[id] >= 0 && size[id] != s && size[id] != 1 && s != 1) {
                    throw new IllegalArgumentException("einsum: subscript '" + name(id) + "' has size " + s + " in operand " + i
                            + " but size " + size[id] + " in an earlier one; sizes must match or be 1");
                }
                if (size[id] < 0 || size[id] == 1) size[id] = s;
            }
        }
        return size;
    }

    /** The ellipsis dimensions, then the subscripts that occur exactly once, in id order (A–Z, then a–z). */
    private static int[] implicitOutput(int[][] labels, int ids, int ellipsis) {
        int[] count = new int[ids];
        for (int[] l : labels) for (int id : l) count[id]++;
        List<Integer> out = new ArrayList<>();
        for (int e = 0; e < ellipsis; e++) out.add(LETTERS + e);
        for (int id = 0; id < LETTERS; id++) if (count[id] == 1) out.add(id);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] explicitOutput(String equation, String text, int at, int[][] labels, int ids, int ellipsis) {
        Term t = parse(equation, text, at, "the output");
        BitSet present = new BitSet();
        for (int[] l : labels) present.or(set(l));
        BitSet seen = new BitSet();
        for (int id : t.letters()) {
            if (!present.get(id)) {
                throw new IllegalArgumentException("einsum: output subscript '" + name(id) + "' of \"" + equation
                        + "\" does not occur in any operand");
            }
            if (seen.get(id)) throw new IllegalArgumentException("einsum: output subscript '" + name(id) + "' of \"" + equation + "\" occurs more than once");
            seen.set(id);
        }
        if (t.ellipsisAt() < 0) return t.letters();   // the ellipsis dimensions, if any, are summed
        int[] out = new int[t.letters().length + ellipsis];
        for (int k = 0, j = 0; k < out.length; k++) {
            out[k] = k >= t.ellipsisAt() && k < t.ellipsisAt() + ellipsis ? LETTERS + k - t.ellipsisAt() : t.letters()[j++];
        }
        return out;
    }

    // ---- lowering -----------------------------------------------------------------------------------------------

    /** Takes the diagonal of every subscript repeated in t (t[0] replaced); returns the remaining labels (the diagonal's last). */
    private static int[] diagonals(Tensor[] t, int[] l) {
        for (int p = 0; p < l.length; p++) {
            int q = -1;
            for (int k = p + 1; k < l.length; k++) if (l[k] == l[p]) q = k;
            if (q < 0) continue;
            int rank = l.length, sz = t[0].layout.shape[p];
            int[] perm = new int[rank], rest = new int[rank - 1];
            for (int k = 0, j = 0; k < rank; k++) if (k != p && k != q) perm[j++] = k;
            perm[rank - 2] = p;
            perm[rank - 1] = q;
            Tensor moved = t[0].permute(perm);
            int[] flat = Arrays.copyOf(moved.layout.shape, rank - 1);
            flat[rank - 2] = sz * sz;
            long[] at = new long[sz];
            for (int i = 0; i < sz; i++) at[i] = (long) i * (sz + 1);
            t[0] = moved.reshape(flat).indexSelect(rank - 2, Tensor.of(at).to(t[0].device()));
            for (int k = 0; k < rank - 2; k++) rest[k] = l[perm[k]];
            rest[rank - 2] = l[p];
            return diagonals(t, rest);
        }
        return l;
    }

    /** Sums t[0] over its subscripts that {@code keep} lacks; returns the remaining labels. */
    private static int[] sumAway(Tensor[] t, int[] l, BitSet keep) {
        List<Integer> dims = new ArrayList<>(), rest = new ArrayList<>();
        for (int k = 0; k < l.length; k++) {
            if (keep.get(l[k])) rest.add(l[k]);
            else dims.add(k);
        }
        if (dims.isEmpty()) return l;
        t[0] = t[0].sum(dims.stream().mapToInt(Integer::intValue).toArray(), false);
        return rest.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * pair[0] = the contraction of pair[0] (labels la) and pair[1] (labels lb) keeping the
     * subscripts {@code later} needs: shared ones are batch dimensions if needed, else summed by
     * the matmul; returns the result's labels (batch, then a's kept, then b's kept).
     */
    private static int[] contract(Tensor[] pair, int[] la, int[] lb, BitSet later, int[] size) {
        BitSet needA = (BitSet) later.clone(), needB = (BitSet) later.clone();
        needA.or(set(lb));
        needB.or(set(la));
        Tensor[] a = {pair[0]}, b = {pair[1]};
        la = sumAway(a, la, needA);
        lb = sumAway(b, lb, needB);
        BitSet inB = set(lb), inA = set(la);
        List<Integer> batch = new ArrayList<>(), left = new ArrayList<>(), summed = new ArrayList<>(), right = new ArrayList<>();
        for (int id : la) {
            if (!inB.get(id)) left.add(id);
            else if (later.get(id)) batch.add(id);
            else summed.add(id);
        }
        for (int id : lb) if (!inA.get(id)) right.add(id);
        Tensor x = arrange(a[0], la, List.of(batch, left, summed), size);
        Tensor y = arrange(b[0], lb, List.of(batch, summed, right), size);
        int bt = product(batch, size), m = product(left, size), k = product(summed, size), nn = product(right, size);
        Tensor c = x.reshape(bt, m, k).matmul(y.reshape(bt, k, nn));
        List<Integer> labels = new ArrayList<>(batch);
        labels.addAll(left);
        labels.addAll(right);
        int[] shape = new int[labels.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = size[labels.get(i)];
        pair[0] = c.reshape(shape);
        return labels.stream().mapToInt(Integer::intValue).toArray();
    }

    /** t permuted to the label groups' order and broadcast to every label's full size. */
    private static Tensor arrange(Tensor t, int[] l, List<List<Integer>> groups, int[] size) {
        List<Integer> order = new ArrayList<>();
        for (List<Integer> g : groups) order.addAll(g);
        int[] perm = new int[order.size()], target = new int[order.size()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = indexOf(l, order.get(i));
            target[i] = size[order.get(i)];
        }
        Tensor p = isIdentity(perm) ? t : t.permute(perm);
        return Arrays.equals(p.layout.shape, target) ? p : p.expand(target);
    }

    private static int product(List<Integer> ids, int[] size) {
        long p = 1;
        for (int id : ids) p *= size[id];
        if (p > Checks.MAX_ELEMENTS) throw new IllegalArgumentException("einsum: a contraction of " + p + " elements is more than a tensor holds");
        return (int) p;
    }

    private static BitSet set(int[] ids) {
        BitSet s = new BitSet();
        for (int id : ids) s.set(id);
        return s;
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) if (a[i] == v) return i;
        throw new IllegalStateException("einsum: internal error, subscript " + name(v) + " lost");
    }

    private static boolean isIdentity(int[] perm) {
        for (int i = 0; i < perm.length; i++) if (perm[i] != i) return false;
        return true;
    }
}
