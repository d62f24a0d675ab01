package dev.jgrad.autograd;

import static dev.jgrad.autograd.GradCases.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** GradCheck itself: it must pass a right gradient and catch a wrong one, or the other checks prove nothing. */
class GradCheckSelfTest {

    @Test
    void passesACorrectGradient() {
        GradCheck.Result r = GradCheck.check(xs -> xs.get(0).mul(xs.get(0)), List.of(randn(1, 3, 4)));
        assertTrue(r.passed(), r::toString);
    }

    @Test
    void catchesAWrongGradient() {
        // x · detach(x): backward sees only one factor, so the analytic gradient is x instead of 2x
        GradCheck.Result r = GradCheck.check(xs -> xs.get(0).mul(xs.get(0).detach()), List.of(randn(2, 3, 4)));
        assertFalse(r.passed(), r::toString);
        assertEquals(0, r.input());
        assertEquals(r.numeric() / 2, r.analytic(), 1e-6, r::toString);
        assertTrue(r.toString().contains("failed"), r::toString);
    }

    @Test
    void catchesAGradientThatIsMissing() {
        GradCheck.Result r = GradCheck.check(xs -> xs.get(0).detach().exp().add(xs.get(1)), List.of(randn(3, 2, 2), randn(4, 2, 2)));
        assertFalse(r.passed(), r::toString);
        assertEquals(0, r.input(), r::toString);
    }
}
