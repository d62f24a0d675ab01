/**
 * The command-line conventions every jgrad command follows: an option table per command
 * ({@link dev.jgrad.examples.cli.Options}) that checks every value before any work,
 * {@code --help}/{@code -h} on every command, one line on stderr and exit code 2 for a user
 * error, and stack traces only with {@code --debug} ({@link dev.jgrad.examples.cli.Cli}).
 *
 * <pre>{@code
 * Options options = new Options("Fits a line.").count("steps", 200, "gradient-descent steps");
 * int code = Cli.run("jgrad example line", options, args -> fit(args.getInt("steps")), argv);
 * }</pre>
 */
package dev.jgrad.examples.cli;
