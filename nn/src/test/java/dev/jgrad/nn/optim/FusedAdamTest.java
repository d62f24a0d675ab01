package dev.jgrad.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Adam's and AdamW's fused in-place update gives the composed update's parameters and state bit
 * for bit, in float32 and float64, and a saved state dict does not change with later steps.
 */
class FusedAdamTest {
    /** Adam with the fused path switched off: the composed update. */
    private static final class Composed extends Adam {
        Composed(List<Tensor> ps, double lr, double wd, boolean decoupled) {
            super(ps, lr, 0.9, 0.999, 1e-8, wd, false, decoupled);
        }

        @Override
        protected boolean updateInPlace(Tensor p, Tensor g, Map<String, Tensor> s, long step) {
            return false;
        }
    }

    private static List<Tensor> params(DType dtype) {
        Generator g = new Generator(5);
        List<Tensor> ps = new ArrayList<>();
        for (int[] shape : new int[][] {{33, 17}, {1}, {4, 3, 3, 5}}) ps.add(Tensor.randn(g, shape).to(dtype).requiresGrad(true));
        return ps;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"FLOAT32", "FLOAT64"})
    void fusedEqualsComposed(String dtypeName) {
        DType dtype = DType.valueOf(dtypeName);
        List<Tensor> one = params(dtype);
        org.junit.jupiter.api.Assertions.assertTrue(new Adam(one, 1e-2).updateInPlace(one.get(0).detach(), Tensor.zerosLike(one.get(0)),
                new java.util.HashMap<>(), 1), "the fused path applies to contiguous CPU " + dtype);
        for (double[] c : new double[][] {{0, 0}, {0.05, 0}, {0.01, 1}}) {
            List<Tensor> a = params(dtype), b = params(dtype);
            Adam fused = new Adam(a, 1e-2, 0.9, 0.999, 1e-8, c[0], false, c[1] != 0);
            Adam composed = new Composed(b, 1e-2, c[0], c[1] != 0);
            Generator g = new Generator(6);
            Map<String, Tensor> saved = null;
            double[] savedExpAvg = null;
            for (int step = 1; step <= 5; step++) {
                for (int i = 0; i < a.size(); i++) {
                    Tensor grad = Tensor.randn(g, a.get(i).shape()).mul(step == 3 ? 1e-5 : 1).to(dtype);
                    a.get(i).setGrad(grad);
                    b.get(i).setGrad(grad.clone());
                }
                fused.step();
                composed.step();
                if (step == 2) {
                    saved = fused.stateDict();
                    savedExpAvg = saved.get("state.0.exp_avg").toDoubleArray();
                }
                Map<String, Tensor> sa = fused.stateDict(), sb = composed.stateDict();
                for (int i = 0; i < a.size(); i++) {
                    String at = dtype + " " + java.util.Arrays.toString(c) + " step " + step + " param " + i;
                    assertArrayEquals(b.get(i).toDoubleArray(), a.get(i).toDoubleArray(), at);
                    for (String k : new String[] {"exp_avg", "exp_avg_sq"}) {
                        assertArrayEquals(sb.get("state." + i + "." + k).toDoubleArray(), sa.get("state." + i + "." + k).toDoubleArray(), at + " " + k);
                    }
                }
            }
            // the dict saved at step 2 still holds step 2's state: reload it into both and step once more
            Map<String, Tensor> frozen = saved;
            assertArrayEquals(savedExpAvg, frozen.get("state.0.exp_avg").toDoubleArray(), "the saved dict changed with later steps");
            fused.loadStateDict(frozen);
            composed.loadStateDict(frozen);
            assertNotSame(frozen.get("state.0.exp_avg"), fused.stateDict().get("state.0.exp_avg"));
            for (int i = 0; i < a.size(); i++) b.get(i).detach().copyFrom(a.get(i).detach());
            fused.step();
            composed.step();
            for (int i = 0; i < a.size(); i++) assertArrayEquals(b.get(i).toDoubleArray(), a.get(i).toDoubleArray(), "after reload, param " + i);
        }
    }
}
