package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.fails;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.jgrad.cuda.Cuda;
import org.junit.jupiter.api.Test;

/** Wrong dtype, wrong element count, unknown or unavailable devices, and autograd misuse. */
class BadStateInputTest {

    @Test
    void meanAndVarOfIntegers() {
        Tensor ints = Tensor.of(new long[] {1, 2, 3});
        fails(IllegalArgumentException.class, ints::mean, "mean", "floating-point", "int64", "to(DType.FLOAT32)");
        fails(IllegalArgumentException.class, ints::var, "var", "floating-point", "int64");
        fails(IllegalArgumentException.class, () -> Tensor.of(new boolean[] {true}).std(null, false, 1), "var", "bool");
    }

    @Test
    void itemOfManyElements() {
        fails(IllegalArgumentException.class, () -> Tensor.zeros(2, 2).item(), "item", "one element", "[2, 2]");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(0).item(), "item", "[0]");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(DType.INT64, 3).itemLong(), "itemLong", "[3]");
    }

    @Test
    void requiresGradOnIntegers() {
        fails(IllegalArgumentException.class, () -> Tensor.of(new int[] {1}).requiresGrad(true), "requiresGrad", "floating-point", "int32");
        fails(IllegalArgumentException.class, () -> Tensor.of(new boolean[] {true}).requiresGrad(true), "requiresGrad", "bool");
    }

    @Test
    void requiresGradOnANonLeaf() {
        Tensor y = Tensor.ones(2).requiresGrad(true).mul(2);
        fails(IllegalStateException.class, () -> y.requiresGrad(false), "requiresGrad", "leaf", "Mul");
    }

    @Test
    void inPlaceOnATensorThatRequiresGrad() {
        Tensor w = Tensor.ones(2).requiresGrad(true);
        fails(IllegalStateException.class, () -> w.fill(0), "fill", "requires grad", "GradMode.noGrad()");
        fails(IllegalStateException.class, () -> w.copyFrom(Tensor.zeros(2)), "copyFrom", "requires grad");
        try (var _ = GradMode.noGrad()) {
            w.fill(3);   // allowed without recording
        }
    }

    @Test
    void retainGradAndSetGrad() {
        fails(IllegalStateException.class, () -> Tensor.ones(1).retainGrad(), "retainGrad", "does not require grad");
        fails(IllegalArgumentException.class, () -> Tensor.ones(2).setGrad(Tensor.ones(3)), "setGrad", "[3]", "[2]");
    }

    @Test
    void backwardWithoutTheAutogradModule() {
        Tensor loss = Tensor.ones(2).requiresGrad(true).sum();
        fails(IllegalStateException.class, loss::backward, "backward", "no autograd engine", "jgrad-autograd");
    }

    @Test
    void unknownDeviceNames() {
        fails(IllegalArgumentException.class, () -> Device.parse("gpu"), "unknown device 'gpu'", "cpu, cuda or cuda:N");
        fails(IllegalArgumentException.class, () -> Device.parse("cuda:x"), "unknown device 'cuda:x'");
        fails(IllegalArgumentException.class, () -> Device.parse("cuda:-1"), "device index must be >= 0");
        fails(IllegalArgumentException.class, () -> Device.cuda(-2), "device index must be >= 0", "CUDA:-2");
        fails(IllegalArgumentException.class, () -> new Device(Device.Type.CPU, 1), "0 for the CPU");
    }

    @Test
    void cudaWithoutCuda() {
        assumeFalse(Cuda.isAvailable(), "this machine has CUDA");
        fails(IllegalStateException.class, () -> Tensor.ones(2).to(Device.cuda()), "CUDA device cuda:0 is not available",
                Cuda.unavailableReason(), "Device.best()");
        fails(IllegalStateException.class, () -> Tensor.ones(2).to(Device.parse("cuda:1")), "cuda:1");
    }
}
