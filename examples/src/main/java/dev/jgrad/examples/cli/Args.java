package dev.jgrad.examples.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A command line checked by its {@link Options}: each option's value as given, or the table's
 * default. Values here are already valid, so the getters cannot fail on them.
 *
 * <pre>{@code
 * Args a = OPTIONS.parse(argv);
 * int epochs = a.getInt("epochs");            // as given, else the table's default
 * boolean custom = a.has("device");           // given on the command line?
 * }</pre>
 */
public final class Args {
    private final Options options;
    private final Map<String, String> given;
    private final List<String> words;
    private final boolean help, debug;

    Args(Options options, Map<String, String> given, List<String> words, boolean help, boolean debug) {
        this.options = options;
        this.given = given;
        this.words = words;
        this.help = help;
        this.debug = debug;
    }

    /** Whether the option was given on the command line. */
    public boolean has(String name) {
        return given.containsKey(name);
    }

    /** The value given, else the table's default; null when neither exists. */
    public String get(String name) {
        known(name);
        String v = given.get(name);
        return v != null ? v : options.row(name).fallback();
    }

    /** The value given, else the table's default, else {@code fallback} (for options whose table row has no default). */
    public String get(String name, String fallback) {
        String v = get(name);
        return v != null ? v : fallback;
    }

    public int getInt(String name) {
        return Integer.parseInt(required(name));
    }

    /** As {@link #get(String, String)}: the table's default, when it has one, wins over {@code fallback}. */
    public int getInt(String name, int fallback) {
        String v = get(name);
        return v != null ? Integer.parseInt(v) : fallback;
    }

    public double getDouble(String name) {
        return Double.parseDouble(required(name));
    }

    /** As {@link #get(String, String)}: the table's default, when it has one, wins over {@code fallback}. */
    public double getDouble(String name, double fallback) {
        String v = get(name);
        return v != null ? Double.parseDouble(v) : fallback;
    }

    /** The value as a path; null when neither given nor defaulted. */
    public Path getPath(String name) {
        String v = get(name);
        return v == null ? null : Path.of(v);
    }

    /** The bare words given (the bench's {@code cpu}, {@code list}), in order. */
    public List<String> words() {
        return words;
    }

    /** Whether {@code --help} or {@code -h} was given (then nothing else was checked). */
    public boolean help() {
        return help;
    }

    /** Whether {@code --debug} was given. */
    public boolean debug() {
        return debug;
    }

    private String required(String name) {
        String v = get(name);
        if (v == null) throw new IllegalStateException("--" + name + " was not given and has no default");
        return v;
    }

    private void known(String name) {
        if (options.row(name) == null) throw new IllegalStateException("no option --" + name + " in this command's table");
    }
}
