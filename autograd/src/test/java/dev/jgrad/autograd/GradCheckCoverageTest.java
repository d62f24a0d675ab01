package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.autograd.GradCases.GradCase;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Op;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Proves that every primitive op has a gradient check: builds the graph of every case of the
 * {@code GradCheck*Test} classes (as {@link GradCheck} does, from float64 leaves that require
 * grad), walks it through {@link Op#inputs()}, and compares the op names found with the records
 * permitted by the sealed {@link Op}. A new primitive without a gradcheck fails here.
 * {@link #allCases()} and {@link #primitiveOpNames()} are public for the inspect package's tests
 * (the stepper replays every case; every op has a formula).
 */
public class GradCheckCoverageTest {

    /** Every case of the {@code GradCheck*Test} classes. */
    public static Stream<GradCase> allCases() {
        return Stream.of(GradCheckElementwiseTest.cases(), GradCheckReductionTest.cases(), GradCheckViewTest.cases(),
                GradCheckIndexingTest.cases(), GradCheckLinalgConvTest.cases(), GradCheckFusedLossTest.cases(),
                GradCheckParityOpsTest.cases()).flatMap(s -> s);
    }

    /** The simple names of the records permitted by {@code Op}, recursing into the sealed sub-interfaces. */
    public static Set<String> primitiveOpNames() {
        Set<String> names = new TreeSet<>();
        collectRecords(Op.class, names);
        return names;
    }

    private static void collectRecords(Class<?> sealed, Set<String> names) {
        for (Class<?> c : sealed.getPermittedSubclasses()) {
            if (c.isInterface()) {
                assertTrue(c.isSealed(), () -> c.getName() + " should be sealed");
                collectRecords(c, names);
            } else {
                assertTrue(c.isRecord(), () -> c.getName() + " should be a record");
                names.add(c.getSimpleName());
            }
        }
    }

    /** The op names in the graph each case's function builds. */
    static Set<String> exercisedOpNames() {
        Set<String> names = new TreeSet<>();
        allCases().forEach(c -> {
            List<Tensor> xs = new ArrayList<>();
            for (Tensor in : c.inputs()) {
                xs.add(in.dtype().isFloating() ? in.detach().to(DType.FLOAT64).clone().detach().requiresGrad(true) : in);
            }
            Tensor y = c.f().apply(xs);
            assertNotNull(y.op(), () -> c.name() + ": the output has no op, so the check would test nothing");
            walk(y, names);
        });
        return names;
    }

    private static void walk(Tensor root, Set<String> names) {
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Tensor> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            Tensor t = todo.pop();
            if (!seen.add(t) || t.op() == null) continue;
            names.add(t.op().name());
            todo.addAll(t.op().inputs());
        }
    }

    @Test
    void primitiveOpsAreFoundThroughTheSealedHierarchy() {
        Set<String> all = primitiveOpNames();
        assertTrue(all.containsAll(List.of("Neg", "Add", "Where", "Sum", "Cat", "ScatterAdd", "MatMul", "Conv2d", "AvgPool2d")), all::toString);
        assertFalse(all.contains("UnaryOp") || all.contains("BinaryOp"), all::toString);
    }

    @Test
    void everyPrimitiveOpIsGradchecked() {
        Set<String> all = primitiveOpNames();
        Set<String> exercised = exercisedOpNames();
        Set<String> missing = new TreeSet<>(all);
        missing.removeAll(exercised);
        Set<String> unknown = new TreeSet<>(exercised);
        unknown.removeAll(all);
        assertEquals(all, exercised, "primitive ops without a gradcheck: " + missing + "; op names not among Op's records: " + unknown);
    }
}
