package dev.jgrad.tensor;

import dev.jgrad.tensor.internal.RecordedKernels;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kernels one run of some code launched on the CPU, in order, each bound to the tensors it
 * read and wrote, so that they can run again without the code: the recording behind a captured
 * training step ({@code dev.jgrad.nn.train.Capture}).
 *
 * <p>While a thread records, every CPU kernel site hands its work to {@link #kernel} as a closure
 * over tensors (never over arrays: the closure reaches the elements through the tensors' storages
 * when it runs) and it is run and kept. Storages allocated at the top level (not inside a kernel)
 * are noted with the moment they were allocated and the moment their last tensor closed; when
 * recording ends they are re-homed onto a <em>static memory plan</em>: storages of one dtype and
 * length whose lives do not overlap share one array, allocated once (the plan's peak is the sum of
 * those arrays). A freed storage of the recording keeps its array for the replays: the tape owns it.
 * A storage allocated zeroed gets a zero-fill entry, since its array holds the previous replay's values.
 *
 * <p>Before the plan, {@link ChainFusion} replaces runs of elementwise kernels (those whose sites
 * described themselves with an {@link ElementwiseStep}) by one fused pass each; an intermediate
 * that only its chain reads is never written, and leaves the plan. {@code -Djgrad.capture.fuse=false}
 * turns that off.
 *
 * <p>What cannot be replayed is refused while recording ({@link #broken}): reading tensor values
 * on the host between kernels (data-dependent control flow: a value that decides what runs next),
 * a random draw outside a kernel (it would replay the same numbers), and any device but the CPU.
 *
 * <pre>{@code
 * Tape tape = Tape.record(() -> step.run());   // runs it once, keeping the kernels
 * if (tape.brokenReason() == null) tape.replay();   // the same kernels, the same buffers
 * }</pre>
 */
final class Tape implements RecordedKernels {
    /** Threads recording now; 0 makes every hook one volatile read. */
    private static volatile int recording;
    private static final ThreadLocal<Tape> CURRENT = new ThreadLocal<>();

    /** The system property that turns the fusion of elementwise chains off ({@code false}); read at each recording. */
    static final String FUSE_PROPERTY = "jgrad.capture.fuse";

    /** A storage allocated at the top level while recording: when it was allocated and freed (event numbers). */
    static final class Allocation {
        final CpuStorage storage;
        final int allocatedAt;
        int freedAt = Integer.MAX_VALUE;
        /** The last kernel that reached its elements on the recording thread, or -1. */
        int lastTouched = -1;
        /** Set by fusion: in use from here at the latest, and to here at least (a fused pass runs its kernels at once), or -1. */
        int liveFrom = -1, liveTo = -1;
        /** Set by fusion: no kernel of the replay reaches it (a chain keeps it in registers), so it has no array in the plan. */
        boolean dropped;

        Allocation(CpuStorage storage, int at) {
            this.storage = storage;
            this.allocatedAt = at;
        }
    }

    /** A recorded kernel (or zero-fill) with what it told and reached while recording. */
    static final class Entry {
        final Runnable body;
        /** What an elementwise site described, or null. */
        final ElementwiseStep step;
        /** Its event number (a zero-fill: that of its allocation). */
        final int event;
        /** The storage a zero-fill entry zeroes, or null. */
        final CpuStorage zeroFill;
        /** Every storage it reached on the recording thread. */
        final Set<CpuStorage> touched = Collections.newSetFromMap(new IdentityHashMap<>());

        Entry(Runnable body, ElementwiseStep step, int event, CpuStorage zeroFill) {
            this.body = body;
            this.step = step;
            this.event = event;
            this.zeroFill = zeroFill;
            if (zeroFill != null) touched.add(zeroFill);
        }
    }

    final List<Entry> entries = new ArrayList<>();
    /** What a replay runs: the entries' bodies, chains fused. */
    private List<Runnable> program = List.of();
    /** Each fused chain's ops, such as {@code add→relu}, in order. */
    final List<String> chains = new ArrayList<>();
    /** Kernels the fused chains replaced. */
    int fusedKernels;
    final List<Allocation> allocations = new ArrayList<>();
    final Map<CpuStorage, Allocation> byStorage = new HashMap<>();
    private Entry current;
    /** Above 0 while a kernel body runs: its allocations and reads are the kernel's own. */
    private int depth;
    /** The event number of the kernel running now. */
    private int running;
    private int events;
    private boolean open = true;
    private String broken;
    private long planBytes, allocatedBytes;
    private int slots;

    private Tape() {}

    /**
     * Runs {@code body} on this thread, recording the CPU kernels it launches, then builds the
     * memory plan. An exception from the body propagates (the tape is discarded).
     */
    static Tape record(Runnable body) {
        return record(body, Boolean.parseBoolean(System.getProperty(FUSE_PROPERTY, "true")));
    }

    /** As {@link #record(Runnable)}, fusing chains of elementwise kernels or not. */
    static Tape record(Runnable body, boolean fuse) {
        if (CURRENT.get() != null) throw new IllegalStateException("capture: this thread is already recording a step (captures do not nest)");
        Tape tape = new Tape();
        CURRENT.set(tape);
        synchronized (Tape.class) {
            recording++;
        }
        try {
            body.run();
        } finally {
            CURRENT.remove();
            synchronized (Tape.class) {
                recording--;
            }
            tape.open = false;
        }
        if (tape.broken == null) {
            if (fuse) {
                tape.program = ChainFusion.fuse(tape);
            } else {
                List<Runnable> p = new ArrayList<>();
                for (Entry e : tape.entries) p.add(e.body);
                tape.program = p;
            }
            tape.plan();
        }
        tape.entries.clear();   // their tensors and sets are the recording's: the program holds what replays need
        return tape;
    }

    /** The tape of this thread when a kernel site at the top level should hand its work over, else null. */
    private static Tape topLevel() {
        if (recording == 0) return null;
        Tape t = CURRENT.get();
        return t != null && t.depth == 0 ? t : null;
    }

    /** Whether this thread records and is not inside a kernel: a kernel site then calls {@link #kernel}. */
    static boolean capturing() {
        return topLevel() != null;
    }

    /** Runs one kernel now and keeps it for the replays. Only called when {@link #capturing()}. */
    static void kernel(Runnable body) {
        kernel(body, null);
    }

    /**
     * As {@link #kernel(Runnable)}, for a site that also says what it computes ({@code step}, null
     * when it cannot say): an elementwise kernel a fusion pass may merge with its neighbours.
     */
    static void kernel(Runnable body, ElementwiseStep step) {
        Tape t = CURRENT.get();
        t.running = t.events++;
        Entry e = new Entry(body, step, t.running, null);
        t.current = e;
        t.depth++;
        try {
            body.run();
        } finally {
            t.depth--;
            t.current = null;
        }
        t.entries.add(e);
    }

    /**
     * A kernel or the host reaching a storage's elements: inside a recorded kernel it marks the
     * storage in use up to that kernel; at the top level of a recording it breaks the tape.
     */
    static void reached(CpuStorage s) {
        if (recording == 0) return;
        Tape t = CURRENT.get();
        if (t == null) return;
        if (t.depth == 0) {
            t.breakWith("it reads tensor values on the host between kernels (a value that may decide what runs next, "
                    + "such as item() or toFloatArray()), which a replay cannot repeat");
        } else {
            if (t.current != null) t.current.touched.add(s);
            if (s.tape == t) {
                Allocation a = t.byStorage.get(s);
                if (a != null) a.lastTouched = t.running;
            }
        }
    }

    /** A draw from a {@link Generator}; at the top level of a recording it breaks the tape. */
    static void hostRandom() {
        CudaCaptureState.hostRandom();   // a CUDA graph being captured refuses it too (it would freeze the numbers)
        Tape t = topLevel();
        if (t != null) t.breakWith("it draws random numbers outside a kernel, which a replay would repeat instead of drawing anew");
    }

    /** A storage on a device other than the CPU, made while this thread records. */
    static void otherDevice(Device device) {
        Tape t = topLevel();
        if (t != null) t.breakWith("it runs on " + device + ": a recorded CPU step runs on the CPU only (a CUDA step is captured as a CUDA graph)");
    }

    private void breakWith(String reason) {
        if (broken == null) broken = reason + " (at " + callSite() + ")";
    }

    /** The tensor method that did it and the first frame outside the tensor package (the op's or the user's code that called it). */
    static String callSite() {
        String pkg = Tape.class.getPackageName() + ".";
        return StackWalker.getInstance().walk(frames -> {
            StackWalker.StackFrame inside = null;
            for (var it = frames.iterator(); it.hasNext(); ) {
                StackWalker.StackFrame f = it.next();
                if (f.getClassName().startsWith(pkg)) {
                    if (f.getClassName().equals(Tensor.class.getName())) inside = f;
                    continue;
                }
                String at = f.getClassName() + "." + f.getMethodName() + ":" + f.getLineNumber();
                return inside == null ? at : "Tensor." + inside.getMethodName() + ", called from " + at;
            }
            return "?";
        });
    }

    /** Notes a storage just allocated (zeroed: its elements must read 0); ignored outside a recording's top level. */
    static void allocated(CpuStorage s, boolean zeroed) {
        Tape t = topLevel();
        if (t == null) return;
        Allocation a = new Allocation(s, t.events++);
        t.allocations.add(a);
        t.byStorage.put(s, a);
        s.tape = t;
        if (zeroed) {   // the replays find the previous replay's values in the array
            t.entries.add(new Entry(() -> HeapArrayPool.zero(s.buf().array()), null, a.allocatedAt, s));
        }
    }

    /** The last tensor over {@code s}, a storage this tape noted, closed: from here its array may serve another storage. */
    void freed(CpuStorage s) {
        if (!open) return;
        Allocation a = byStorage.get(s);
        if (a != null && a.freedAt == Integer.MAX_VALUE) a.freedAt = events++;
    }

    /**
     * Gives every noted storage its array in the plan. A storage is in use from its allocation to
     * the last kernel that reached it, if it was freed by the end of the recording (else, held by
     * someone, to the end; and if no kernel on the recording thread reached it, to its freeing).
     * Walking allocations and ends of use in order, a storage takes the free array of its dtype
     * and length that was released last (likeliest still in the cache), or keeps its own as a new one.
     */
    private void plan() {
        record Event(long at, boolean free, Allocation a) {}
        List<Event> order = new ArrayList<>();
        for (Allocation a : allocations) {
            if (a.dropped) {   // the eager step allocates it; the replay never reaches it
                allocatedBytes += a.storage.byteSize();
                a.storage.dropArray();
                continue;
            }
            long start = a.liveFrom >= 0 ? Math.min(a.allocatedAt, a.liveFrom) : a.allocatedAt;
            order.add(new Event(2L * start, false, a));
            if (a.freedAt == Integer.MAX_VALUE) continue;
            long end = Math.max(a.lastTouched >= 0 ? a.lastTouched : a.freedAt, a.liveTo);
            order.add(new Event(2L * end + 1, true, a));   // after that kernel, before the next allocation
        }
        order.sort((x, y) -> Long.compare(x.at, y.at));
        // a freed storage stands for its array: re-homing onto it shares whatever array it serves
        Map<Long, ArrayDeque<CpuStorage>> free = new HashMap<>();
        for (Event e : order) {
            CpuStorage s = e.a.storage;
            long key = ((long) s.dtype().ordinal() << 32) | s.length();
            if (e.free) {
                free.computeIfAbsent(key, _ -> new ArrayDeque<>()).addLast(s);
                continue;
            }
            allocatedBytes += s.byteSize();
            ArrayDeque<CpuStorage> q = free.get(key);
            CpuStorage previous = q == null ? null : q.pollLast();
            if (previous != null) {
                s.rehome(previous);
            } else {
                slots++;
                planBytes += s.byteSize();
            }
        }
        byStorage.clear();
    }

    @Override
    public String brokenReason() {
        return broken;
    }

    @Override
    public void replay() {
        if (broken != null) throw new IllegalStateException("capture: this tape cannot be replayed: " + broken);
        if (CURRENT.get() != null) throw new IllegalStateException("capture: a step cannot be replayed while this thread records one");
        for (Runnable k : program) k.run();
    }

    @Override
    public int kernelCount() {
        return program.size();
    }

    @Override
    public List<String> fusedChains() {
        return List.copyOf(chains);
    }

    @Override
    public int fusedKernelCount() {
        return fusedKernels;
    }

    @Override
    public int allocationCount() {
        return allocations.size();
    }

    @Override
    public int arrayCount() {
        return slots;
    }

    @Override
    public long planBytes() {
        return planBytes;
    }

    @Override
    public long allocatedBytes() {
        return allocatedBytes;
    }

    @Override
    public String toString() {
        return broken != null ? "tape (not replayable: " + broken + ")"
                : "tape of " + program.size() + " kernels (" + chains.size() + " fused chains of " + fusedKernels + " kernels), " + allocations.size() + " allocations in " + slots + " arrays ("
                  + planBytes + " bytes; the eager step allocates " + allocatedBytes + ")";
    }

    /** For tests: the plan's array of each noted storage, in allocation order (shared arrays are the same object; null for one a chain keeps in registers). */
    List<Object> arrays() {
        List<Object> out = new ArrayList<>();
        for (Allocation a : allocations) out.add(a.dropped ? null : a.storage.buf().array());
        return out;
    }
}
