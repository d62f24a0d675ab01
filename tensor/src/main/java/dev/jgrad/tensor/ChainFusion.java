package dev.jgrad.tensor;

import dev.jgrad.kernels.Buf;
import dev.jgrad.kernels.fused.ChainKernel;
import dev.jgrad.kernels.fused.ElementwiseChain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fusion pass of a {@link Tape}: runs of elementwise kernels become one pass each.
 *
 * <p>A chain starts at a kernel that described itself ({@link ElementwiseStep}) and takes each next
 * such kernel of the same length that shares a storage with it (reads what it wrote, or reads what
 * it read). A fill or a zero-fill between two links, which writes only a storage the chain has
 * not reached yet (the scalar operand of the next link), runs ahead of the chain. Links must agree
 * on where a written storage starts (an elementwise pass may only meet itself at the same index).
 *
 * <p>An intermediate that the chain writes first and in full, that no kernel outside the chain
 * reaches and that was freed by the end of the recording (not a gradient, the output or the loss,
 * nor a tensor the backward pass read) is never written: its value lives in a register between
 * the links and its storage leaves the plan. Everything else the chain writes is stored; every
 * buffer is loaded once per element. The storages a chain reaches are kept alive across the whole
 * chain in the plan, since its links now run at once.
 */
final class ChainFusion {
    /** Fills and zero-fills that may wait ahead of a chain's next link. */
    private static final int MAX_PENDING = 8;

    private ChainFusion() {}

    /** Where an operand meets its storage, and how ({@link ElementwiseStep#pattern}: as the output, a scalar, a row). */
    private record Access(CpuStorage storage, int offset, boolean write, int pattern) {
        Key key() {
            return new Key(storage, offset, pattern);
        }
    }

    /** A storage at an offset read as the output, a row or a scalar: a buffer of the chain, or a scalar operand. */
    private record Key(CpuStorage storage, int offset, int pattern) {}

    /** The replay program of {@code t}'s entries with its chains fused; notes chains, drops and lifetimes on {@code t}. */
    static List<Runnable> fuse(Tape t) {
        List<Tape.Entry> es = t.entries;
        Map<CpuStorage, List<Tape.Entry>> touching = new IdentityHashMap<>();
        for (Tape.Entry e : es) for (CpuStorage s : e.touched) touching.computeIfAbsent(s, _ -> new ArrayList<>()).add(e);
        List<Object> out = new ArrayList<>();   // entries, and fused passes
        int i = 0;
        while (i < es.size()) {
            Tape.Entry first = es.get(i);
            Group g = first.step != null && first.step.fusable() ? Group.start(first) : null;
            if (g == null) {
                out.add(first);
                i++;
                continue;
            }
            int last = i;
            List<Tape.Entry> pending = new ArrayList<>();
            for (int j = i + 1; j < es.size(); j++) {
                Tape.Entry e = es.get(j);
                if (e.step != null && e.step.fusable() && g.accepts(e)) {
                    g.hoisted.addAll(pending);
                    pending.clear();
                    g.add(e);
                    last = j;
                } else if (hoistable(e) && Collections.disjoint(e.touched, g.touched) && pending.size() < MAX_PENDING) {
                    pending.add(e);
                } else {
                    break;
                }
            }
            if (g.links.size() < 2) {
                out.add(first);
                i++;
                continue;
            }
            for (Tape.Entry h : g.hoisted) {
                g.touched.addAll(h.touched);
                out.add(h);
            }
            Runnable pass = g.build(t, touching);
            if (pass != null) out.add(pass);
            t.chains.add(g.describe);
            t.fusedKernels += g.links.size();
            extendLives(t, g);
            i = last + 1;
        }
        List<Runnable> program = new ArrayList<>();
        for (Object o : out) {
            if (o instanceof Tape.Entry e) {
                Tape.Allocation a = e.zeroFill == null ? null : t.byStorage.get(e.zeroFill);
                if (a == null || !a.dropped) program.add(e.body);
            } else {
                program.add((Runnable) o);
            }
        }
        return program;
    }

    /** A fill or a zero-fill: writes one storage, reached on the recording thread, and nothing else. */
    private static boolean hoistable(Tape.Entry e) {
        return (e.zeroFill != null || e.step != null && !e.step.fusable()) && e.touched.size() == 1;
    }

    /** The chain's links run at once now: every storage it reaches is in use from its first link to its last. */
    private static void extendLives(Tape t, Group g) {
        int from = g.links.getFirst().event, to = g.links.getLast().event;
        for (CpuStorage s : g.touched) {
            Tape.Allocation a = t.byStorage.get(s);
            if (a == null) continue;
            a.liveFrom = a.liveFrom < 0 ? from : Math.min(a.liveFrom, from);
            a.liveTo = Math.max(a.liveTo, to);
        }
    }

    private static List<Access> accesses(ElementwiseStep s) {
        List<Access> l = new ArrayList<>(3);
        l.add(new Access((CpuStorage) s.a().storage, s.a().layout.offset, false, ElementwiseStep.pattern(s.a(), s.out())));
        if (s.b() != null) l.add(new Access((CpuStorage) s.b().storage, s.b().layout.offset, false, ElementwiseStep.pattern(s.b(), s.out())));
        l.add(new Access((CpuStorage) s.out().storage, s.out().layout.offset, true, ElementwiseStep.FULL));
        return l;
    }

    /** A chain being grown. */
    private static final class Group {
        final int n;
        final List<Tape.Entry> links = new ArrayList<>();
        final List<Tape.Entry> hoisted = new ArrayList<>();
        final Map<CpuStorage, List<Access>> byStorage = new IdentityHashMap<>();
        final Set<CpuStorage> touched = Collections.newSetFromMap(new IdentityHashMap<>());
        String describe;

        private Group(int n) {
            this.n = n;
        }

        /** A chain of one link, or null when {@code e} cannot be a link. */
        static Group start(Tape.Entry e) {
            Group g = new Group(e.step.numel());
            if (!g.accepts(e)) return null;
            g.add(e);
            return g;
        }

        /** Whether e can be the next link: same length, reaches only its operands, shares a storage, agrees on offsets. */
        boolean accepts(Tape.Entry e) {
            if (e.step.numel() != n) return false;
            List<Access> mine = accesses(e.step);
            Set<CpuStorage> operands = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Access a : mine) operands.add(a.storage());
            if (!operands.containsAll(e.touched)) return false;   // it reached something else: not a pure elementwise kernel
            boolean shares = links.isEmpty();
            for (CpuStorage s : operands) {
                List<Access> all = new ArrayList<>(byStorage.getOrDefault(s, List.of()));
                shares |= !all.isEmpty();
                for (Access a : mine) if (a.storage() == s) all.add(a);
                if (!consistent(all)) return false;
            }
            return shares;
        }

        /** A storage written in the chain is met only at one offset and only as the output is (never as a scalar or a row). */
        private static boolean consistent(List<Access> all) {
            boolean written = false;
            for (Access a : all) written |= a.write();
            if (!written) return true;
            for (Access a : all) if (a.pattern() != ElementwiseStep.FULL || a.offset() != all.getFirst().offset()) return false;
            return true;
        }

        void add(Tape.Entry e) {
            links.add(e);
            touched.addAll(e.touched);
            for (Access a : accesses(e.step)) byStorage.computeIfAbsent(a.storage(), _ -> new ArrayList<>()).add(a);
        }

        /**
         * Whether the chain may keep {@code s} in registers: a recorded allocation freed by the end of
         * the recording, first written in full by the chain, reached by no kernel outside it.
         */
        private boolean droppable(Tape t, CpuStorage s, Map<CpuStorage, List<Tape.Entry>> touching) {
            Tape.Allocation a = t.byStorage.get(s);
            if (a == null || a.freedAt == Integer.MAX_VALUE || s.length() != n) return false;
            Access firstAccess = byStorage.get(s).getFirst();
            if (!firstAccess.write() || firstAccess.offset() != 0) return false;
            Set<Tape.Entry> mine = Collections.newSetFromMap(new IdentityHashMap<>());
            mine.addAll(links);
            for (Tape.Entry e : touching.getOrDefault(s, List.of())) {
                if (!mine.contains(e) && e.zeroFill != s) return false;
            }
            return true;
        }

        /** The fused pass (null when the chain stores nothing anyone reads); marks the storages it drops. */
        Runnable build(Tape t, Map<CpuStorage, List<Tape.Entry>> touching) {
            Set<CpuStorage> dropped = Collections.newSetFromMap(new IdentityHashMap<>());
            for (var en : byStorage.entrySet()) {
                boolean written = en.getValue().stream().anyMatch(Access::write);
                if (written && droppable(t, en.getKey(), touching)) dropped.add(en.getKey());
            }
            // the buffers (loaded before the chain writes them, or stored) and scalars, in order
            LinkedHashSet<Key> buffers = new LinkedHashSet<>(), scalars = new LinkedHashSet<>(), written = new LinkedHashSet<>();
            for (Tape.Entry e : links) {
                for (Access a : accesses(e.step)) {
                    Key k = a.key();
                    if (a.write()) written.add(k);
                    else if (a.pattern() == ElementwiseStep.SCALAR) scalars.add(k);
                    else if (!written.contains(k)) buffers.add(k);
                }
            }
            for (Key k : written) if (!dropped.contains(k.storage())) buffers.add(k);
            List<Key> bufferList = new ArrayList<>(buffers), scalarList = new ArrayList<>(scalars);
            ElementwiseChain.Builder b = ElementwiseChain.builder(Math.max(1, bufferList.size()), scalarList.size());
            Map<Key, Integer> value = new HashMap<>(), scalarValue = new HashMap<>();
            for (Tape.Entry e : links) {
                ElementwiseStep s = e.step;
                List<Access> acc = accesses(s);
                int va = operand(b, acc.get(0), value, scalarValue, bufferList, scalarList);
                int v = s.b() == null ? b.apply(s.op(), va) : b.apply(s.op(), va, operand(b, acc.get(1), value, scalarValue, bufferList, scalarList));
                value.put(acc.getLast().key(), v);
            }
            boolean stores = false;
            for (Key k : written) {
                if (dropped.contains(k.storage())) continue;
                b.store(value.get(k), bufferList.indexOf(k));
                stores = true;
            }
            for (CpuStorage s : dropped) t.byStorage.get(s).dropped = true;
            ElementwiseChain chain = stores ? b.build() : null;
            describe = (chain != null ? chain.describe() : "unread " + links.size() + " ops") + " over " + n + (dropped.isEmpty() ? "" : ", " + dropped.size() + " kept in registers");
            if (chain == null) return null;
            CpuStorage[] st = new CpuStorage[bufferList.size()];
            int[] off = new int[st.length];
            for (int k = 0; k < st.length; k++) {
                st[k] = bufferList.get(k).storage();
                off[k] = bufferList.get(k).offset();
            }
            CpuStorage[] sc = new CpuStorage[scalarList.size()];
            int[] scOff = new int[sc.length];
            for (int k = 0; k < sc.length; k++) {
                sc[k] = scalarList.get(k).storage();
                scOff[k] = scalarList.get(k).offset();
            }
            return new FusedPass(chain.compiled(), st, off, sc, scOff, n, chain.opCount());
        }

        private static int operand(ElementwiseChain.Builder b, Access a, Map<Key, Integer> value, Map<Key, Integer> scalarValue,
                                   List<Key> buffers, List<Key> scalars) {
            Key k = a.key();
            if (a.pattern() == ElementwiseStep.SCALAR) return scalarValue.computeIfAbsent(k, _ -> b.scalar(scalars.indexOf(k)));
            if (a.pattern() > 0) return value.computeIfAbsent(k, _ -> b.loadRow(buffers.indexOf(k), a.pattern()));
            return value.computeIfAbsent(k, _ -> b.load(buffers.indexOf(k)));
        }
    }

    /** One replayed chain: fetches the arrays (the plan re-homes storages after fusion) and runs the kernel over them. */
    private record FusedPass(ChainKernel kernel, CpuStorage[] storages, int[] offsets, CpuStorage[] scalarStorages, int[] scalarOffsets, int n, int cost)
            implements Runnable {
        @Override
        public void run() {
            float[][] b = new float[storages.length][];
            for (int k = 0; k < b.length; k++) b[k] = ((Buf.F32) storages[k].buf()).data();
            float[] s = new float[scalarStorages.length];
            for (int k = 0; k < s.length; k++) s[k] = ((Buf.F32) scalarStorages[k].buf()).data()[scalarOffsets[k]];
            ElementwiseChain.run(kernel, b, offsets, s, n, cost);
        }
    }
}
