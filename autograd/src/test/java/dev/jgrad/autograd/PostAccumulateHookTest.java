package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.HookHandle;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tensor.registerPostAccumulateGradHook and BackwardCallbacks: what a data-parallel wrapper builds on. */
class PostAccumulateHookTest {

    @Test
    void runsOncePerPassAfterEveryPathHasAccumulated() {
        Tensor w = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        List<float[]> seen = new ArrayList<>();
        w.registerPostAccumulateGradHook(p -> seen.add(p.grad().toFloatArray()));
        Tensor loss = w.mul(3).sum().add(w.mul(w).sum());   // two paths into w: ∂/∂w = 3 + 2w
        loss.backward();
        assertEquals(1, seen.size());
        assertArrayEquals(new float[] {5, 7}, seen.get(0));
        w.mul(3).sum().backward();                           // accumulates: the hook sees the running sum
        assertArrayEquals(new float[] {8, 10}, seen.get(1));
    }

    @Test
    void aLeafRootAndRemovalWork() {
        Tensor w = Tensor.scalar(2).requiresGrad(true);
        int[] calls = {0};
        HookHandle h = w.registerPostAccumulateGradHook(p -> calls[0]++);
        w.backward();
        assertEquals(1, calls[0]);
        h.remove();
        w.mul(2).backward();
        assertEquals(1, calls[0]);
    }

    @Test
    void onlyLeavesThatRequireGradTakeTheHook() {
        Tensor x = Tensor.scalar(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.registerPostAccumulateGradHook(p -> {}));
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
        Tensor y = Tensor.scalar(1).requiresGrad(true).mul(2);
        e = assertThrows(IllegalStateException.class, () -> y.registerPostAccumulateGradHook(p -> {}));
        assertTrue(e.getMessage().contains("is the output of Mul"), e.getMessage());
    }

    @Test
    void callbacksRunAfterTheLastNodeInOrder() {
        Tensor a = Tensor.scalar(1).requiresGrad(true), b = Tensor.scalar(2).requiresGrad(true);
        List<String> log = new ArrayList<>();
        a.registerPostAccumulateGradHook(p -> {
            log.add("a ready");
            BackwardCallbacks.queue(() -> {
                log.add("end: b.grad=" + b.grad().item());   // b's gradient is final by now
                BackwardCallbacks.queue(() -> log.add("queued by a callback"));
            });
        });
        a.mul(b).mul(b).backward();
        assertEquals(List.of("a ready", "end: b.grad=4.0", "queued by a callback"), log);
        assertFalse(BackwardCallbacks.inBackward());
    }

    @Test
    void queueingOutsideAPassIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BackwardCallbacks.queue(() -> {}));
        assertTrue(e.getMessage().contains("no backward pass is running"), e.getMessage());
    }
}
