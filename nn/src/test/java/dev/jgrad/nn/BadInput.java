package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** The nn tests' check of a refused argument: an IllegalArgumentException whose message says what it must. */
public final class BadInput {
    private BadInput() {}

    /** Asserts that {@code call} throws an IllegalArgumentException whose message contains every fragment. */
    public static void fails(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), () -> "\"" + e.getMessage() + "\" lacks \"" + f + "\"");
    }
}
