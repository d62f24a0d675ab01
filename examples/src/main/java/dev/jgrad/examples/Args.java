package dev.jgrad.examples;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} command-line options with defaults; an unknown option is an error that
 * lists the known ones.
 *
 * <pre>{@code
 * Args a = Args.parse(args, Set.of("epochs", "lr"));
 * int epochs = a.getInt("epochs", 5);
 * }</pre>
 */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    private Args() {}

    static Args parse(String[] args, Set<String> known) {
        Args a = new Args();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected an option such as --" + known.iterator().next() + ", got '" + args[i] + "'");
            String name = args[i].substring(2), value = "true";
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            }
            if (!known.contains(name)) throw new IllegalArgumentException("unknown option --" + name + "; known: --" + String.join(", --", known));
            a.values.put(name, value);
        }
        return a;
    }

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int getInt(String name, int fallback) {
        return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
    }

    double getDouble(String name, double fallback) {
        return values.containsKey(name) ? Double.parseDouble(values.get(name)) : fallback;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }
}
