package dev.jgrad.examples.cli;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The options of one command: each option's name, what it allows, its default and its help, in
 * one table. {@link #parse} checks every value against the table (numbers, ranges, devices,
 * paths) and then the rules that involve several options, so a command finds every mistake in
 * its command line before it does any work; {@link #usage} is the {@code --help} text.
 *
 * <p>Every table also knows {@code --debug} (stack traces for internal errors) and
 * {@code --help}/{@code -h}. Values follow their option ({@code --epochs 3}) or an equals sign
 * ({@code --epochs=3}); a flag takes no value; a later repetition wins.
 *
 * <pre>{@code
 * static final Options OPTIONS = new Options("Trains the CNN.")
 *         .count("epochs", 15, "training epochs")
 *         .positive("lr", 1e-3, "Adam's learning rate")
 *         .device("where to train (default: the best device present)");
 * Args args = OPTIONS.parse("--epochs", "3");   // UsageException for "--epochs", "-1"
 * }</pre>
 */
public final class Options {
    /** Checks the value given to an option (named with its dashes) and returns it; a {@link UsageException} if it is not allowed. */
    @FunctionalInterface
    public interface Check {
        String check(String option, String value);
    }

    /**
     * One row of the table; {@code valueName} is null for a flag, {@code fallback} the value when
     * the option is not given (null: none), {@code shownDefault} what the help says about that.
     */
    record Option(String name, String valueName, String allowed, String fallback, String shownDefault, String help, Check check) {
        boolean flag() {
            return valueName == null;
        }
    }

    private final String summary;
    private final Map<String, Option> table = new LinkedHashMap<>();
    private final Map<String, String> words = new LinkedHashMap<>();
    private final List<Consumer<Args>> rules = new ArrayList<>();

    /** An empty table; {@code summary} opens the help text. */
    public Options(String summary) {
        this.summary = summary;
    }

    /** A whole number ≥ 1 (epochs, batch sizes, steps). */
    public Options count(String name, int fallback, String help) {
        return wholeNumber(name, fallback, 1, Integer.MAX_VALUE, help);
    }

    /** A whole number in [min, max]. */
    public Options wholeNumber(String name, int fallback, int min, int max, String help) {
        String allowed = min == Integer.MIN_VALUE && max == Integer.MAX_VALUE ? "a whole number"
                : max == Integer.MAX_VALUE ? "a whole number ≥ " + min : "a whole number from " + min + " to " + max;
        return option(name, "N", allowed, Integer.toString(fallback), help, (option, v) -> {
            long n;
            try {
                n = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw notAllowed(option, allowed, v);
            }
            if (n < min || n > max) {
                throw new UsageException(option + " must be " + allowed + ", got " + v
                        + (n > Integer.MAX_VALUE ? " (more than " + Integer.MAX_VALUE + ")" : ""));
            }
            return Long.toString(n);
        });
    }

    /** Any whole number that fits an int (seeds). */
    public Options integer(String name, int fallback, String help) {
        return wholeNumber(name, fallback, Integer.MIN_VALUE, Integer.MAX_VALUE, help);
    }

    /** A finite number > 0 (learning rates, time budgets). */
    public Options positive(String name, double fallback, String help) {
        return number(name, fallback, "a number > 0", true, help);
    }

    /** A finite number ≥ 0. */
    public Options nonNegative(String name, double fallback, String help) {
        return number(name, fallback, "a number ≥ 0", false, help);
    }

    private Options number(String name, double fallback, String allowed, boolean strict, String help) {
        return option(name, "X", allowed, shortNumber(fallback), help, (option, v) -> {
            double x;
            try {
                x = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw notAllowed(option, allowed, v);
            }
            if (!Double.isFinite(x) || x < 0 || (strict && x == 0)) throw notAllowed(option, allowed, v);
            return v;
        });
    }

    /** A flag: present or not, no value. */
    public Options flag(String name, String help) {
        return option(name, null, null, null, help, (option, v) -> v);
    }

    /** Any text ({@code fallback} may be null: no default). */
    public Options text(String name, String valueName, String fallback, String help) {
        return option(name, valueName, "text", fallback, help, (option, v) -> v);
    }

    /** An existing, readable file. */
    public Options file(String name, String help) {
        return option(name, "FILE", "an existing file", null, help, (option, v) -> {
            Path p = path(option, v);
            if (Files.isDirectory(p)) throw new UsageException(option + " " + v + " is a folder, not a file");
            if (!Files.isRegularFile(p)) throw new UsageException(option + " " + v + ": no such file");
            if (!Files.isReadable(p)) throw new UsageException(option + " " + v + ": the file is not readable");
            return v;
        });
    }

    /** An existing folder. */
    public Options folder(String name, String help) {
        return option(name, "DIR", "an existing folder", null, help, (option, v) -> {
            Path p = path(option, v);
            if (Files.isRegularFile(p)) throw new UsageException(option + " " + v + " is a file, not a folder");
            if (!Files.isDirectory(p)) throw new UsageException(option + " " + v + ": no such folder");
            return v;
        });
    }

    /** A folder to write into: it exists and is writable, or can be created (its nearest existing parent is a writable folder). */
    public Options outputFolder(String name, String fallback, String help) {
        return option(name, "DIR", "a folder it can write to", fallback, help, (option, v) -> {
            checkWritableFolder(option, v, path(option, v));
            return v;
        });
    }

    /** A file to write: not a folder, in a folder that exists and is writable or can be created. */
    public Options outputFile(String name, String help) {
        return option(name, "FILE", "a file it can write", null, help, (option, v) -> {
            Path p = path(option, v).toAbsolutePath().normalize();
            if (Files.isDirectory(p)) throw new UsageException(option + " " + v + " is a folder, not a file");
            if (p.getParent() != null) checkWritableFolder(option, v, p.getParent());
            return v;
        });
    }

    /**
     * {@code --device}: cpu, cuda or cuda:N, and present on this machine. It has no default value
     * ({@link Args#has} tells the command to pick one); {@code defaultDescription} says in the help
     * what the command picks.
     */
    public Options device(String help, String defaultDescription) {
        String allowed = "cpu, cuda or cuda:N";
        return row(new Option("device", "NAME", allowed, null, defaultDescription, help, (option, v) -> {
            Device d;
            try {
                d = Device.parse(v);
            } catch (IllegalArgumentException e) {
                throw notAllowed(option, allowed, v);
            }
            if (d.type() == Device.Type.CUDA) {
                if (!Cuda.isAvailable()) {
                    throw new UsageException(option + " " + v + ": no CUDA device is usable here (" + Cli.oneLine(Cuda.unavailableReason())
                            + "); use --device cpu");
                }
                int count = Cuda.deviceCount();
                if (d.index() >= count) {
                    throw new UsageException(option + " " + v + ": this machine has " + count + " CUDA device(s), cuda:0 to cuda:" + (count - 1));
                }
            }
            return v;
        }));
    }

    /** {@code --autocast bf16|fp16}: mixed precision, the forward passes under {@code Autocast} in that 16-bit type. */
    public Options autocast() {
        return option("autocast", "TYPE", "bf16 or fp16", null, "mixed precision: forward passes under autocast in this 16-bit type, "
                + "float32 weights", (option, v) -> {
                    halfType(option, v);
                    return v;
                });
    }

    /** {@return the 16-bit type {@code --autocast} names, or null when it is not given} */
    public static DType autocastType(Args args) {
        return args.has("autocast") ? halfType("--autocast", args.get("autocast")) : null;
    }

    private static DType halfType(String option, String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "bf16", "bfloat16" -> DType.BFLOAT16;
            case "fp16", "f16", "float16", "half" -> DType.FLOAT16;
            default -> throw notAllowed(option, "bf16 or fp16", value);
        };
    }

    /** A regular expression. */
    public Options pattern(String name, String help) {
        return option(name, "REGEX", "a regular expression", null, help, (option, v) -> {
            try {
                Pattern.compile(v);
            } catch (PatternSyntaxException e) {
                throw new UsageException(option + " must be a regular expression, got " + quoted(v) + ": " + e.getDescription()
                        + " near index " + e.getIndex());
            }
            return v;
        });
    }

    /**
     * Any option: {@code allowed} says what it takes ("a whole number ≥ 1"), {@code check}
     * checks a value, {@code valueName} (null: a flag) and {@code fallback} (null: none) show in
     * the help. A second row of the same name replaces the first.
     */
    public Options option(String name, String valueName, String allowed, String fallback, String help, Check check) {
        return row(new Option(name, valueName, allowed, fallback, fallback, help, check));
    }

    private Options row(Option o) {
        if (o.name().startsWith("-") || o.name().isEmpty() || o.name().equals("debug") || o.name().equals("help")) {
            throw new IllegalArgumentException("Options: option names come without dashes and are not debug or help, got '" + o.name() + "'");
        }
        table.put(o.name(), o);
        return this;
    }

    /** Says in the help what the command does when option {@code name} is not given (its default is no single value). */
    public Options describeDefault(String name, String description) {
        Option o = table.get(name);
        if (o == null) throw new IllegalArgumentException("Options.describeDefault: no option --" + name);
        table.put(name, new Option(o.name(), o.valueName(), o.allowed(), o.fallback(), description, o.help(), o.check()));
        return this;
    }

    /** Bare words the command takes (the bench's {@code cpu} and {@code list}); {@code help} among them means {@code --help}. */
    public Options word(String word, String help) {
        words.put(word, help);
        return this;
    }

    /** A rule over several options (one source of data, a size that must fit another), checked after every value. */
    public Options rule(Consumer<Args> rule) {
        rules.add(rule);
        return this;
    }

    /** The options, in table order, {@code --debug} last. */
    List<String> names() {
        List<String> names = new ArrayList<>(table.keySet());
        names.add("debug");
        return names;
    }

    /**
     * The command line checked against the table: every value, then every rule.
     *
     * @throws UsageException naming the first option that is wrong and what it allows
     */
    public Args parse(String... argv) {
        for (String a : argv) {
            if (a.equals("--help") || a.equals("-h") || (a.equals("help") && words.containsKey("help"))) {
                return new Args(this, Map.of(), List.of(), true, Arrays.asList(argv).contains("--debug"));
            }
        }
        Map<String, String> given = new LinkedHashMap<>();
        List<String> bare = new ArrayList<>();
        boolean debug = false;
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                if (words.containsKey(a)) {
                    bare.add(a);
                    continue;
                }
                String after = i > 0 && argv[i - 1].startsWith("--") && !argv[i - 1].contains("=") ? " after " + argv[i - 1]
                        + (table.containsKey(argv[i - 1].substring(2)) || argv[i - 1].equals("--debug") ? ", which takes no value" : "") : "";
                throw new UsageException("unexpected argument " + quoted(a) + after + (words.isEmpty() ? "" : "; commands: "
                        + String.join(", ", words.keySet())) + (table.isEmpty() ? "; this command takes no options" : "; options start with --")
                        + " (--help lists them)");
            }
            String name = a.substring(2), value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (name.equals("debug")) {
                if (value != null) throw new UsageException("--debug takes no value, got " + a);
                debug = true;
                continue;
            }
            Option o = table.get(name);
            if (o == null) {
                throw new UsageException("unknown option --" + name + (table.isEmpty() ? "; this command takes no options"
                        : "; options: --" + String.join(", --", table.keySet())) + " (--help describes them)");
            }
            if (o.flag()) {
                if (value != null) throw new UsageException("--" + name + " takes no value, got " + a);
                given.put(name, "true");
                continue;
            }
            if (value == null) {
                if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) throw new UsageException("--" + name + " needs a value: " + o.allowed());
                value = argv[++i];
            }
            given.put(name, o.check().check("--" + name, value));
        }
        Args args = new Args(this, given, bare, false, debug);
        for (Consumer<Args> rule : rules) rule.accept(args);
        return args;
    }

    /** The row of {@code name}, or null. */
    Option row(String name) {
        return table.get(name);
    }

    /** The {@code --help} text of this table for {@code command} ("jgrad train"). */
    public String usage(String command) {
        StringBuilder sb = new StringBuilder("usage: ").append(command);
        if (!words.isEmpty()) sb.append(" [").append(String.join("|", words.keySet())).append("]");
        sb.append(table.isEmpty() ? " [--debug]" : " [options]").append("\n\n").append(summary.strip()).append("\n");
        List<String[]> rows = new ArrayList<>();
        for (Map.Entry<String, String> w : words.entrySet()) rows.add(new String[] {w.getKey(), w.getValue()});
        if (!rows.isEmpty()) {
            sb.append("\ncommands:\n");
            appendRows(sb, rows);
            rows.clear();
        }
        for (Option o : table.values()) {
            String what = o.help() + (o.flag() || o.allowed().equals("text") ? "" : ": " + o.allowed())
                    + (o.shownDefault() == null ? "" : " (default " + o.shownDefault() + ")");
            rows.add(new String[] {"--" + o.name() + (o.flag() ? "" : " " + o.valueName()), what});
        }
        rows.add(new String[] {"--debug", "on an internal error, print the full stack trace"});
        rows.add(new String[] {"-h, --help", "print this help and exit"});
        sb.append("\noptions:\n");
        appendRows(sb, rows);
        return sb.toString();
    }

    private static void appendRows(StringBuilder sb, List<String[]> rows) {
        int width = 0;
        for (String[] r : rows) width = Math.max(width, r[0].length());
        width = Math.min(width, 22);
        for (String[] r : rows) {
            sb.append("  ").append(r[0]);
            if (r[0].length() > width) sb.append("\n  ").append(" ".repeat(width));
            else sb.append(" ".repeat(width - r[0].length()));
            sb.append("  ").append(r[1]).append("\n");
        }
    }

    /**
     * Checks that {@code folder} (given as {@code given} to {@code option}) exists and is
     * writable, or that its nearest existing parent is a writable folder, so it can be created.
     *
     * @throws UsageException naming the option and the part of the path in the way
     */
    public static void checkWritableFolder(String option, String given, Path folder) {
        Path p = folder.toAbsolutePath().normalize();
        Path existing = p;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) throw new UsageException(option + " " + given + ": no part of this path exists");
        if (!Files.isDirectory(existing)) {
            throw new UsageException(option + " " + given + ": " + existing + " is a file, so " + (existing.equals(p) ? "it cannot be used as a folder"
                    : "no folder can be made under it"));
        }
        if (!Files.isWritable(existing)) {
            throw new UsageException(option + " " + given + ": " + (existing.equals(p) ? "the folder is not writable" : existing + " is not writable"));
        }
    }

    private static Path path(String option, String v) {
        if (v.isEmpty()) throw new UsageException(option + " needs a path, got an empty one");
        try {
            return Path.of(v);
        } catch (InvalidPathException e) {
            throw new UsageException(option + " " + quoted(v) + " is not a valid path: " + e.getReason());
        }
    }

    static UsageException notAllowed(String option, String allowed, String value) {
        return new UsageException(option + " must be " + allowed + ", got " + quoted(value));
    }

    /** The value as typed, quoted only when it is empty or holds spaces. */
    static String quoted(String v) {
        return v.isEmpty() || v.chars().anyMatch(Character::isWhitespace) ? "'" + v + "'" : v;
    }

    private static String shortNumber(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e6 ? Long.toString((long) v) : Double.toString(v);
    }
}
