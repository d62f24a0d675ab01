/**
 * Runnable examples. {@link dev.jgrad.examples.Main} dispatches the launcher's subcommands.
 *
 * <pre>{@code
 * ./jgrad example linear-regression
 * }</pre>
 */
package dev.jgrad.examples;
