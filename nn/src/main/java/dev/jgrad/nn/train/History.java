package dev.jgrad.nn.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-epoch values of the training loss, metrics and validation results ("loss", "accuracy",
 * "val_loss", "val_accuracy", "lr", "seconds", …).
 *
 * <pre>{@code
 * History h = trainer.fit(train, test, 5);
 * double last = h.last("val_accuracy");
 * }</pre>
 */
public final class History {
    private final Map<String, List<Double>> values = new LinkedHashMap<>();
    private int epochs;

    /** An empty history, with no epochs recorded. */
    public History() {}

    /**
     * Appends one epoch's logs.
     *
     * @param logs the epoch's values by key
     */
    public void add(Map<String, Double> logs) {
        for (Map.Entry<String, Double> e : logs.entrySet()) {
            List<Double> list = values.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
            while (list.size() < epochs) list.add(Double.NaN);
            list.add(e.getValue());
        }
        epochs++;
        for (List<Double> list : values.values()) if (list.size() < epochs) list.add(Double.NaN);   // keys this epoch lacked
    }

    /**
     * {@return the values of {@code key}, one per epoch (NaN where an epoch lacked it)}
     *
     * @param key the key
     */
    public List<Double> get(String key) {
        return List.copyOf(values.getOrDefault(key, List.of()));
    }

    /**
     * {@return the latest value of {@code key}, or NaN}
     *
     * @param key the key
     */
    public double last(String key) {
        List<Double> v = values.get(key);
        return v == null || v.isEmpty() ? Double.NaN : v.get(v.size() - 1);
    }

    /** {@return the keys recorded} */
    public List<String> keys() {
        return List.copyOf(values.keySet());
    }

    /** {@return number of epochs recorded} */
    public int epochs() {
        return epochs;
    }
}
