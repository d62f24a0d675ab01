package dev.jgrad.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.BatchNorm;
import dev.jgrad.nn.Init;
import dev.jgrad.nn.LayerNorm;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.Sequential;
import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Updating parameters between a forward pass and its backward pass (an optimizer step, loading
 * a state dict, re-initialising, converting the module) makes that backward pass fail instead of
 * giving gradients computed from the new values; the ordinary loop — forward, backward, step —
 * and gradient accumulation over several forward/backward pairs are unaffected.
 */
class StepBetweenForwardAndBackwardTest {

    private static Linear layer() {
        Tensor.manualSeed(3);
        return new Linear(3, 2);
    }

    private static Tensor input() {
        return Tensor.randn(new Generator(4), 5, 3);
    }

    /** One backward so that every parameter has a gradient for the optimizer to use. */
    private static Linear layerWithGradients() {
        Linear m = layer();
        m.forward(input()).square().sum().backward();
        return m;
    }

    private static void assertBackwardFails(Tensor loss) {
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("MatMul") && e.getMessage().contains("modified in place"), e.getMessage());
    }

    @Test
    void anAdamStepBetweenForwardAndBackwardFailsTheBackwardPass() {
        Linear m = layerWithGradients();
        Optimizer opt = new Adam(m.parameters(), 1e-2);   // the fused in-place update
        Tensor loss = m.forward(input()).square().sum();
        opt.step();
        assertBackwardFails(loss);
    }

    @Test
    void anSgdStepBetweenForwardAndBackwardFailsTheBackwardPass() {
        for (Function<List<Tensor>, Optimizer> make : List.<Function<List<Tensor>, Optimizer>>of(
                ps -> new SGD(ps, 0.1),                      // fused
                ps -> new SGD(ps, 0.1, 0.9, true, 1e-4))) {  // fused, with a momentum buffer
            Linear m = layerWithGradients();
            Optimizer opt = make.apply(m.parameters());
            Tensor loss = m.forward(input()).square().sum();
            opt.step();
            assertBackwardFails(loss);
        }
    }

    @Test
    void theComposedUpdateBetweenForwardAndBackwardFailsTheBackwardPassToo() {
        Linear m = layerWithGradients();
        Optimizer opt = new Adam(m.parameters(), 1e-2) {   // fused path off: Optimizer.step writes p.copyFrom(update)
            @Override
            protected boolean updateInPlace(Tensor p, Tensor g, Map<String, Tensor> s, long step) {
                return false;
            }
        };
        Tensor loss = m.forward(input()).square().sum();
        opt.step();
        assertBackwardFails(loss);
    }

    @Test
    void loadingReinitialisingOrConvertingParametersBetweenForwardAndBackwardFails() {
        Linear m = layer();
        Map<String, Tensor> saved = new HashMap<>(m.stateDict());
        saved.replaceAll((k, v) -> v.mul(2).detach());
        Tensor loss = m.forward(input()).square().sum();
        m.loadStateDict(saved);
        assertBackwardFails(loss);

        Linear m2 = layer();
        Tensor loss2 = m2.forward(input()).square().sum();
        Init.xavierUniform(m2.weight, 1);
        assertBackwardFails(loss2);

        LayerNorm ln = new LayerNorm(3);   // its rule reads the weight itself, not a view of it
        Tensor loss3 = ln.forward(input()).square().sum();
        ln.to(DType.FLOAT64);               // re-homes the parameters onto new storage
        IllegalStateException e = assertThrows(IllegalStateException.class, loss3::backward);
        assertTrue(e.getMessage().contains("LayerNorm") && e.getMessage().contains("input 1"), e.getMessage());
    }

    /**
     * Linear's rule reads a transposed view of the weight: the view keeps the storage it was made
     * over, so after the module is converted it still reads the values the forward pass used, and
     * the gradient (right for that forward pass) reaches the re-homed weight in its new dtype.
     */
    @Test
    void convertingAModuleWhoseRulesReadViewsKeepsTheirGradientRight() {
        Linear m = layer();
        m.forward(input()).square().sum().backward();
        double[] expected = m.weight.grad().toDoubleArray();
        m.zeroGrad();
        Tensor loss = m.forward(input()).square().sum();
        m.to(DType.FLOAT64);
        loss.backward();
        assertEquals(DType.FLOAT64, m.weight.grad().dtype());
        assertArrayEquals(expected, m.weight.grad().toDoubleArray(), 1e-6);
    }

    @Test
    void movingAModuleWhereItAlreadyIsChangesNothing() {
        Linear m = layer();
        Tensor loss = m.forward(input()).square().sum();
        m.to(Device.CPU);
        m.to(DType.FLOAT32);
        loss.backward();
        assertTrue(m.weight.grad() != null);
    }

    @Test
    void theOrdinaryLoopAndGradientAccumulationAreUnaffected() {
        Tensor.manualSeed(6);
        Module model = new Sequential(new Linear(3, 4), BatchNorm.oneD(4), new Linear(4, 1));
        Optimizer opt = new Adam(model.parameters(), 1e-2);
        Tensor x = Tensor.randn(new Generator(5), 8, 3);
        Tensor a = x.slice(0, 0, 4, 1), b = x.slice(0, 4, 8, 1);
        double first = Double.NaN, last = Double.NaN;
        for (int step = 0; step < 30; step++) {
            opt.zeroGrad();
            if (step % 2 == 0) {   // two forward/backward pairs, one step
                model.forward(a).square().mean().backward();
                model.forward(b).square().mean().backward();
            } else {               // two forward passes (batch norm updates its running statistics in place in between), one backward
                model.forward(a).square().mean().add(model.forward(b).square().mean()).backward();
            }
            opt.step();
            double loss = model.forward(x).square().mean().item();
            if (step == 0) first = loss;
            last = loss;
        }
        assertTrue(last < first, "the loss went down: " + first + " -> " + last);
    }

    @Test
    void aStepAfterBackwardLeavesTheGradientsAsComputed() {
        Linear m = layer();
        Tensor loss = m.forward(input()).square().sum();
        loss.backward();
        float[] grad = m.weight.grad().toFloatArray();
        new SGD(m.parameters(), 0.1).step();
        assertArrayEquals(grad, m.weight.grad().toFloatArray());
    }
}
