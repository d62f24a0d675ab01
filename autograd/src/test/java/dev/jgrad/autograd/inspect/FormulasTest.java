package dev.jgrad.autograd.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.autograd.GradCheckCoverageTest;
import dev.jgrad.kernels.ConvShape;
import dev.jgrad.kernels.PoolShape;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Op;
import dev.jgrad.tensor.Tensor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every op record has a rule in words, and input names matching its inputs. */
class FormulasTest {

    @Test
    void everyOpHasANamedRuleWithFormulas() throws ReflectiveOperationException {
        List<Op> ops = allOps();
        assertEquals(GradCheckCoverageTest.primitiveOpNames().size(), ops.size());
        for (Op op : ops) {
            Formulas.Rule r = Formulas.of(op);
            assertFalse(r.name().isBlank(), op.name());
            assertTrue(r.forward().startsWith("out"), () -> op.name() + ": " + r.forward());
            assertTrue(r.backward().startsWith("∂L/∂"), () -> op.name() + ": " + r.backward());
            assertEquals(op.inputs().size(), Formulas.inputNames(op).size(), op.name());
        }
    }

    @Test
    void formulasShowTheOpsParameters() {
        Tensor x = Tensor.ones(2, 3);
        assertEquals("out = x^3", Formulas.of(new Op.PowScalar(x, 3)).forward());
        assertEquals("∂L/∂x = g · 3·x^2", Formulas.of(new Op.PowScalar(x, 3)).backward());
        assertEquals("∂L/∂x = g · 0.5·x^-0.5", Formulas.of(new Op.PowScalar(x, 0.5)).backward());
        assertEquals("out = Σ x over dims [1]", Formulas.of(new Op.Sum(x, new int[] {1}, false)).forward());
        assertEquals("∂L/∂x = g · [0 ≤ x ≤ ∞]", Formulas.of(new Op.Clamp(x, 0, Double.POSITIVE_INFINITY)).backward());
        assertEquals(List.of("x₀", "x₁", "x₂"), Formulas.inputNames(new Op.Cat(List.of(x, x, x), 0)));
        assertEquals("product rule: out = a · b  ⇒  ∂L/∂a = g · b,  ∂L/∂b = g · a  (each summed back to its input's shape)",
                Formulas.of(new Op.Mul(x, x)).toString());
    }

    /** One instance of every record the sealed Op permits, built from placeholder arguments. */
    static List<Op> allOps() throws ReflectiveOperationException {
        List<Op> ops = new ArrayList<>();
        collect(Op.class, ops);
        return ops;
    }

    private static void collect(Class<?> sealed, List<Op> ops) throws ReflectiveOperationException {
        for (Class<?> c : sealed.getPermittedSubclasses()) {
            if (c.isInterface()) {
                collect(c, ops);
                continue;
            }
            RecordComponent[] rc = c.getRecordComponents();
            Class<?>[] types = new Class<?>[rc.length];
            Object[] args = new Object[rc.length];
            for (int i = 0; i < rc.length; i++) {
                types[i] = rc[i].getType();
                args[i] = placeholder(types[i]);
            }
            ops.add((Op) c.getDeclaredConstructor(types).newInstance(args));
        }
    }

    private static Object placeholder(Class<?> type) {
        if (type == Tensor.class) return Tensor.ones(1);
        if (type == List.class) return List.of(Tensor.ones(1), Tensor.ones(1));
        if (type == int[].class) return new int[] {0};
        if (type == double[].class) return new double[] {1};
        if (type == int.class) return 1;
        if (type == long.class) return -100L;
        if (type == double.class) return 2.0;
        if (type == boolean.class) return false;
        if (type == DType.class) return DType.FLOAT32;
        if (type == ConvShape.class) return new ConvShape(1, 1, 4, 4, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1);
        if (type == PoolShape.class) return new PoolShape(1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, false);
        throw new AssertionError("no placeholder for " + type + "; add one");
    }
}
