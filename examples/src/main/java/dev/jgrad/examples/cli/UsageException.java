package dev.jgrad.examples.cli;

/**
 * A mistake in a command line, or in a file it names: the command prints the message as one line
 * (after the command's name) and exits with {@link Cli#USAGE_ERROR}, without a stack trace.
 *
 * <pre>{@code
 * throw new UsageException("--batch must be a whole number ≥ 1, got 0");
 * }</pre>
 */
public final class UsageException extends IllegalArgumentException {
    public UsageException(String message) {
        super(message);
    }

    public UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
