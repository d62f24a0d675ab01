package dev.jgrad.examples.cli;

import java.io.PrintStream;

/**
 * Runs a command the way every jgrad command runs: the command line is checked against the
 * command's {@link Options} before any work; {@code --help} prints the usage (exit 0); a user
 * error prints one line, "{@code jgrad train: --batch must be a whole number ≥ 1, got 0}", and
 * gives exit code 2; any other failure prints one line (exit 1), and the full stack trace only
 * with {@code --debug}. Nothing here exits the JVM: the {@code main} methods do, with the code
 * returned.
 *
 * <pre>{@code
 * public static void main(String[] argv) {
 *     int code = Cli.run("jgrad example line", OPTIONS, Line::fit, argv);
 *     if (code != 0) System.exit(code);
 * }
 * }</pre>
 */
public final class Cli {
    /** Exit code of a failure that is not the user's (an exception inside the command). */
    public static final int INTERNAL_ERROR = 1;
    /** Exit code of a mistake in the command line or in a file it names. */
    public static final int USAGE_ERROR = 2;
    /** What {@link #check} returns after printing the help: the launcher stops there, with 0. */
    public static final int HELP_SHOWN = 10;

    private Cli() {}

    /** A command's work, given a valid command line. */
    @FunctionalInterface
    public interface Body {
        void run(Args args) throws Exception;
    }

    /**
     * Checks {@code argv} against {@code options}, then runs {@code body}; returns the exit code.
     * {@code command} ("jgrad train") starts every message and the usage line.
     */
    public static int run(String command, Options options, Body body, String... argv) {
        int checked = check(command, options, argv);
        if (checked != 0) return checked == HELP_SHOWN ? 0 : checked;
        Args args = options.parse(argv);   // valid: check parsed it without error
        try {
            body.run(args);
            return 0;
        } catch (UsageException e) {
            System.out.flush();
            int code = usageError(command, e.getMessage());
            if (args.debug()) e.printStackTrace(System.err);
            return code;
        } catch (Exception | Error e) {
            System.out.flush();
            PrintStream err = System.err;
            if (args.debug()) {
                err.println(command + ": failed: " + oneLine(describe(e)));
                e.printStackTrace(err);
            } else {
                err.println(command + ": failed: " + oneLine(describe(e)) + " (--debug prints the stack trace)");
            }
            err.flush();
            return INTERNAL_ERROR;
        }
    }

    /**
     * Only checks {@code argv} (the launcher's first pass, before it fetches data): 0 when it is
     * valid, {@link #USAGE_ERROR} after printing the error, {@link #HELP_SHOWN} after printing
     * the help.
     */
    public static int check(String command, Options options, String... argv) {
        Args args;
        try {
            args = options.parse(argv);
        } catch (UsageException e) {
            return usageError(command, e.getMessage());
        }
        if (args.help()) {
            System.out.print(options.usage(command));
            System.out.flush();
            return HELP_SHOWN;
        }
        return 0;
    }

    /** Prints "{@code command: message}" as one line on stderr and returns {@link #USAGE_ERROR}. */
    public static int usageError(String command, String message) {
        System.err.println(command + ": " + oneLine(message));
        System.err.flush();
        return USAGE_ERROR;
    }

    /** {@code s} on one line: line breaks and tabs become spaces. */
    public static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ").replace('\t', ' ');
    }

    /** "IllegalStateException: the message" (the class alone when there is no message). */
    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }
}
