package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Modules held in a list and registered as children "0", "1", …, so that their parameters are
 * the container's (and their state-dict keys PyTorch's: {@code "layers.0.weight"}), as PyTorch's
 * {@code nn.ModuleList}. It has no forward pass of its own: the owner iterates over it.
 *
 * <pre>{@code
 * final class Tower extends Module {
 *     final ModuleList blocks = registerModule("blocks", new ModuleList());
 *     Tower(int depth) { for (int i = 0; i < depth; i++) blocks.add(new Linear(64, 64)); }
 *     public Tensor forward(Tensor x) {
 *         for (Module b : blocks) x = b.call(x).relu();
 *         return x;
 *     }
 * }
 * }</pre>
 */
public final class ModuleList extends Module implements Iterable<Module> {
    private final List<Module> items = new ArrayList<>();

    /**
     * A list holding {@code modules}, in order.
     *
     * @param modules the modules
     */
    public ModuleList(Module... modules) {
        Args.notNull("ModuleList", "the modules", modules);
        for (Module m : modules) add(m);
    }

    /**
     * A list holding {@code modules}, in order.
     *
     * @param modules the modules
     */
    public ModuleList(Iterable<? extends Module> modules) {
        addAll(modules);
    }

    /**
     * Appends {@code module} (PyTorch's {@code append}); returns this.
     *
     * @param module the module
     * @return this list
     */
    public ModuleList add(Module module) {
        Args.notNull("ModuleList.add", "module " + items.size(), module);
        registerModule(Integer.toString(items.size()), module);
        items.add(module);
        return this;
    }

    /**
     * Appends every module of {@code modules} (PyTorch's {@code extend}); returns this.
     *
     * @param modules the modules, in order
     * @return this list
     */
    public ModuleList addAll(Iterable<? extends Module> modules) {
        Args.notNull("ModuleList.addAll", "the modules", modules);
        List<Module> copy = new ArrayList<>();
        for (Object o : modules) {   // as Object: an unchecked caller may pass a list of something else
            if (!(Args.notNull("ModuleList.addAll", "module " + (items.size() + copy.size()), o) instanceof Module m)) {
                throw new IllegalArgumentException("ModuleList.addAll: element " + copy.size() + " is a " + o.getClass().getSimpleName()
                        + ", not a Module");
            }
            copy.add(m);
        }
        for (Module m : copy) add(m);
        return this;
    }

    /**
     * Inserts {@code module} before position {@code index} (−size ≤ index ≤ size; a negative index
     * counts from the end, as Python's {@code list.insert}), renumbering those after it.
     *
     * @param index  the position the module takes
     * @param module the module
     * @return this list
     */
    public ModuleList insert(int index, Module module) {
        Args.notNull("ModuleList.insert", "module", module);
        int at = index < 0 ? index + items.size() : index;
        if (at < 0 || at > items.size()) {
            throw new IndexOutOfBoundsException("ModuleList.insert: index " + index + " is out of range for inserting into a list of "
                    + items.size() + " modules (allowed: " + -items.size() + " to " + items.size() + ")");
        }
        List<Module> tail = new ArrayList<>(items.subList(at, items.size()));
        truncate(at);
        add(module);
        for (Module m : tail) add(m);
        return this;
    }

    /**
     * The module at {@code index} (negative counts from the end, as in Python).
     *
     * @param index the position
     * @return the module there
     */
    public Module get(int index) {
        return items.get(position("get", index, items.size()));
    }

    /**
     * Replaces the module at {@code index} (negative counts from the end); returns the one it replaced.
     *
     * @param index  the position
     * @param module the new module
     * @return the module it replaced
     */
    public Module set(int index, Module module) {
        Args.notNull("ModuleList.set", "module", module);
        int at = position("set", index, items.size());
        setChild(Integer.toString(at), module);
        return items.set(at, module);
    }

    /**
     * Removes and returns the module at {@code index} (negative counts from the end), renumbering
     * those after it (PyTorch's {@code pop}).
     *
     * @param index the position
     * @return the removed module
     */
    public Module remove(int index) {
        int at = position("remove", index, items.size());
        Module removed = items.get(at);
        List<Module> tail = new ArrayList<>(items.subList(at + 1, items.size()));
        truncate(at);
        for (Module m : tail) add(m);
        return removed;
    }

    /** {@return the number of modules} */
    public int size() {
        return items.size();
    }

    /** {@return whether the list holds no module} */
    public boolean isEmpty() {
        return items.isEmpty();
    }

    /** The modules in order, unmodifiable. */
    @Override
    public Iterator<Module> iterator() {
        return java.util.Collections.unmodifiableList(items).iterator();
    }

    /**
     * Not supported: a ModuleList only holds modules; iterate over it in the owner's forward pass.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public Tensor forward(Tensor x) {
        throw new UnsupportedOperationException("ModuleList has no forward pass: iterate over its " + items.size()
                + " modules in the owning module's forward (use Sequential to chain them)");
    }

    /** Drops every module from position {@code at} on. */
    private void truncate(int at) {
        for (int i = items.size() - 1; i >= at; i--) removeChild(Integer.toString(i));
        items.subList(at, items.size()).clear();
    }

    private int position(String op, int index, int size) {
        int at = index < 0 ? index + size : index;
        if (at < 0 || at >= size) {
            throw new IndexOutOfBoundsException("ModuleList." + op + ": index " + index + " is out of range for a list of " + size
                    + " modules (allowed: " + -size + " to " + (size - 1) + ")");
        }
        return at;
    }
}
