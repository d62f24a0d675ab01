package dev.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgrad.autograd.inspect.BackwardStepper;
import dev.jgrad.autograd.inspect.Graph;
import dev.jgrad.autograd.inspect.NodeStep;
import dev.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A Linear layer's nodes read as its formula y = x·Wᵀ + b in the backward stepper. */
class LinearGraphNamesTest {

    private static List<String> stepTitles(BackwardStepper stepper) {
        return stepper.runToEnd().stream().map(NodeStep::node).map(Graph.Node::title).toList();
    }

    @Test
    void aLinearModelsStepsAreTitledByTheFormula() {
        Tensor.manualSeed(0);
        Linear fc = new Linear(3, 2);
        Tensor x = Tensor.randn(4, 3).name("x");
        Tensor loss = Losses.mse(fc.forward(x), Tensor.zeros(4, 2)).name("L");
        assertEquals(List.of("mean L", "Sum", "square", "Sub", "x·Wᵀ + b", "x·Wᵀ", "Wᵀ"), stepTitles(new BackwardStepper(loss)));
    }

    @Test
    void aNamedWeightAndThePrimitivesOnRequest() {
        Tensor.manualSeed(0);
        Linear fc = new Linear(3, 2);
        fc.weight.name("fc.weight");
        Tensor loss = fc.forward(Tensor.randn(4, 3)).sum();
        assertEquals(List.of("Sum", "x·Wᵀ + b (Add)", "x·Wᵀ (MatMul)", "fc.weightᵀ (Permute)"),
                stepTitles(new BackwardStepper(loss, Graph.Naming.CALLS_AND_PRIMITIVES)));
        Tensor again = fc.forward(Tensor.randn(4, 3)).sum();
        assertEquals(List.of("Sum", "Add", "MatMul", "Permute"), stepTitles(new BackwardStepper(again, Graph.Naming.PRIMITIVES)));
    }
}
