package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Modules held by name, in insertion order, and registered as children under those names, so
 * that their parameters are the container's (state-dict keys {@code "heads.cls.weight"}), as
 * PyTorch's {@code nn.ModuleDict}. A name must be non-empty and contain no '.'. It has no
 * forward pass of its own: the owner picks modules from it.
 *
 * <pre>{@code
 * ModuleDict heads = new ModuleDict();
 * heads.put("cls", new Linear(64, 10));
 * heads.put("box", new Linear(64, 4));
 * Tensor logits = heads.get("cls").call(features);   // state dict: cls.weight, cls.bias, box.weight, box.bias
 * }</pre>
 */
public final class ModuleDict extends Module {
    private final Map<String, Module> items = new LinkedHashMap<>();

    /** An empty dict. */
    public ModuleDict() {}

    /**
     * A dict holding {@code modules}, in the map's iteration order.
     *
     * @param modules the modules by name
     */
    public ModuleDict(Map<String, ? extends Module> modules) {
        putAll(modules);
    }

    /**
     * Puts {@code module} under {@code name}: replacing the module there in place (keeping its
     * position), or appended; returns the module it replaced, or null.
     *
     * @param name   the name, non-empty and without '.'
     * @param module the module
     * @return the module previously under {@code name}, or null
     * @throws IllegalArgumentException for a null module, or a name that is null, empty or contains '.'
     */
    public Module put(String name, Module module) {
        Args.notNull("ModuleDict.put", "name", name);
        Args.notNull("ModuleDict.put", "module \"" + name + "\"", module);
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("ModuleDict.put: names must be non-empty and contain no '.', got \"" + name + "\"");
        }
        setChild(name, module);
        return items.put(name, module);
    }

    /**
     * Puts every entry of {@code modules}, in its iteration order (PyTorch's {@code update}); returns this.
     *
     * @param modules the modules by name
     * @return this dict
     */
    public ModuleDict putAll(Map<String, ? extends Module> modules) {
        Args.notNull("ModuleDict.putAll", "the modules", modules);
        List<Map.Entry<String, ? extends Module>> entries = new ArrayList<>(modules.entrySet());
        for (Map.Entry<String, ? extends Module> e : entries) {   // all checked before any is put
            Object name = Args.notNull("ModuleDict.putAll", "a name", e.getKey()), value = e.getValue();
            if (!(name instanceof String) || !(Args.notNull("ModuleDict.putAll", "module \"" + name + "\"", value) instanceof Module)) {
                throw new IllegalArgumentException("ModuleDict.putAll: expected String names and Module values, got " + name.getClass().getSimpleName()
                        + " -> " + value.getClass().getSimpleName());
            }
            String n = (String) name;
            if (n.isEmpty() || n.contains(".")) {
                throw new IllegalArgumentException("ModuleDict.putAll: names must be non-empty and contain no '.', got \"" + n + "\"");
            }
        }
        for (Map.Entry<String, ? extends Module> e : entries) put(e.getKey(), e.getValue());
        return this;
    }

    /**
     * The module under {@code name}, or null.
     *
     * @param name the name
     * @return the module, or null when there is none under {@code name}
     */
    public Module get(String name) {
        return items.get(name);
    }

    /**
     * Removes and returns the module under {@code name}, or null (PyTorch's {@code pop}).
     *
     * @param name the name
     * @return the removed module, or null when there was none under {@code name}
     */
    public Module remove(String name) {
        Module m = items.remove(name);
        if (m != null) removeChild(name);
        return m;
    }

    /**
     * Whether a module is held under {@code name}.
     *
     * @param name the name
     * @return true when a module is held under {@code name}
     */
    public boolean containsKey(String name) {
        return items.containsKey(name);
    }

    /** {@return the names, in order, unmodifiable} */
    public Set<String> keySet() {
        return Collections.unmodifiableSet(items.keySet());
    }

    /** {@return the modules, in order, unmodifiable} */
    public List<Module> values() {
        return List.copyOf(items.values());
    }

    /** {@return the number of modules} */
    public int size() {
        return items.size();
    }

    /** {@return whether the dict holds no module} */
    public boolean isEmpty() {
        return items.isEmpty();
    }

    /** Removes every module. */
    public void clear() {
        for (String k : List.copyOf(items.keySet())) remove(k);
    }

    /**
     * Not supported: a ModuleDict only holds modules; pick them by name in the owning module's forward pass.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public Tensor forward(Tensor x) {
        throw new UnsupportedOperationException("ModuleDict has no forward pass: pick its modules " + items.keySet()
                + " by name in the owning module's forward");
    }
}
