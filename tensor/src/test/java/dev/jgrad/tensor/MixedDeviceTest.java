package dev.jgrad.tensor;

import static dev.jgrad.tensor.Expect.fails;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jgrad.cuda.Cuda;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * An op given tensors on two devices fails with an IllegalArgumentException naming the op and
 * both devices, for every op with more than one tensor operand. Runs where a CUDA device is
 * usable (skipped otherwise); the table is the list of such ops.
 */
class MixedDeviceTest {

    /** Every op taking two tensors: (cpu operand, cuda operand) -> call. */
    static final Map<String, BiFunction<Tensor, Tensor, Object>> OPS = Map.ofEntries(
            Map.entry("add", Tensor::add), Map.entry("sub", Tensor::sub), Map.entry("mul", Tensor::mul), Map.entry("div", Tensor::div),
            Map.entry("pow", Tensor::pow), Map.entry("maximum", Tensor::maximum), Map.entry("minimum", Tensor::minimum),
            Map.entry("eq", Tensor::eq), Map.entry("lt", Tensor::lt), Map.entry("logical_and", Tensor::logicalAnd),
            Map.entry("matmul", (a, b) -> a.reshape(2, 2).matmul(b.reshape(2, 2))),
            Map.entry("linear", (a, b) -> a.reshape(2, 2).linear(b.reshape(2, 2), null)),
            Map.entry("where", (a, b) -> Tensor.where(a.gt(0), a, b)),
            Map.entry("cat", (a, b) -> Tensor.cat(List.of(a, b), 0)),
            Map.entry("stack", (a, b) -> Tensor.stack(List.of(a, b), 0)),
            Map.entry("copyFrom", (a, b) -> a.copyFrom(b)),
            Map.entry("addInPlace", (a, b) -> a.addInPlace(b, 1)),
            Map.entry("setGrad", (a, b) -> { a.setGrad(b); return null; }),
            Map.entry("gather", (a, b) -> a.gather(0, Tensor.zeros(DType.INT64, 1).to(b.device()))),
            Map.entry("scatter_add", (a, b) -> a.scatterAdd(0, Tensor.zeros(DType.INT64, 1), b)),
            Map.entry("conv2d", (a, b) -> a.reshape(1, 1, 2, 2).conv2d(b.reshape(1, 1, 2, 2), null)),
            Map.entry("indexSelect", (a, b) -> a.indexSelect(0, Tensor.zeros(DType.INT64, 1).to(b.device()))),
            Map.entry("embedding", (a, b) -> Tensor.embedding(Tensor.zeros(DType.INT64, 1).to(b.device()), a.reshape(2, 2))),
            Map.entry("accumulateGrad", (a, b) -> { a.accumulateGrad(b); return null; }),
            Map.entry("scaledDotProductAttention", (a, b) -> Tensor.scaledDotProductAttention(a.reshape(1, 2, 2), b.reshape(1, 2, 2),
                    a.reshape(1, 2, 2), null, false, Double.NaN)),
            Map.entry("layerNorm", (a, b) -> a.layerNorm(new int[] {4}, b, null, 1e-5)),
            Map.entry("groupNorm", (a, b) -> a.reshape(1, 4).groupNorm(1, b, null, 1e-5)),
            Map.entry("convTranspose2d", (a, b) -> a.reshape(1, 1, 2, 2).convTranspose2d(b.reshape(1, 1, 2, 2), null, new int[] {1},
                    new int[] {0}, new int[] {0}, new int[] {1}, 1)),
            Map.entry("crossEntropy", (a, b) -> a.reshape(2, 2).crossEntropy(Tensor.zeros(DType.INT64, 2).to(b.device()), -100)),
            Map.entry("attentionWeights", (a, b) -> Tensor.attentionWeights(a.reshape(1, 2, 2), b.reshape(1, 2, 2), null, false, Double.NaN)),
            Map.entry("clamp", (a, b) -> a.clamp(b, null)),
            Map.entry("maskedFill", (a, b) -> a.maskedFill(b.gt(0), 1)),
            Map.entry("einsum", (a, b) -> Tensor.einsum("i,i->", a, b)));

    /** Methods with two tensor operands that may take them on different devices, by design. */
    static final Set<String> CROSS_DEVICE = Set.of(
            "setData",    // re-homes a leaf: the source's device becomes the tensor's
            "allClose",   // compares values on the host
            "backward");  // checked by the engine (autograd's tests)

    @Test
    void theTableCoversEveryMethodWithTwoTensorOperands() {
        Set<String> needed = new TreeSet<>();
        for (Method m : Tensor.class.getMethods()) {
            if (m.getDeclaringClass() != Tensor.class) continue;
            long tensors = Arrays.stream(m.getParameterTypes()).filter(t -> t == Tensor.class || t == List.class).count()
                    + (Modifier.isStatic(m.getModifiers()) ? 0 : 1);
            if (tensors >= 2 || Arrays.asList(m.getParameterTypes()).contains(List.class)) needed.add(m.getName());
        }
        needed.removeAll(CROSS_DEVICE);
        Set<String> covered = new TreeSet<>();
        for (String k : OPS.keySet()) covered.add(k.replace("logical_and", "logicalAnd").replace("scatter_add", "scatterAdd"));
        covered.addAll(Set.of("ne", "le", "gt", "ge", "logicalOr"));   // the same path as eq, lt and logicalAnd
        needed.removeAll(covered);
        assertEquals(Set.of(), needed, "add these ops to OPS (or to CROSS_DEVICE, with a reason)");
    }

    @Test
    void everyOpWithTwoOperandsNamesBothDevices() {
        assumeTrue(Cuda.isAvailable(), "no CUDA device: " + Cuda.unavailableReason());
        for (var e : OPS.entrySet()) {
            Tensor cpu = Tensor.ones(4), gpu = Tensor.ones(4).to(Device.cuda());
            fails(IllegalArgumentException.class, () -> e.getValue().apply(cpu, gpu), "cpu", "cuda:0");
            Tensor cpu2 = Tensor.ones(4), gpu2 = Tensor.ones(4).to(Device.cuda());
            fails(IllegalArgumentException.class, () -> e.getValue().apply(gpu2, cpu2), "cpu", "cuda:0");
        }
    }
}
