package dev.jgrad.dist;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Training logs (loss, accuracy, …) averaged over the ranks, so that every rank reports the same
 * numbers: for {@link dev.jgrad.nn.train.Trainer#reduceLogs}. With a {@link DistributedSampler}
 * every rank sees the same number of examples, so the mean of the ranks' means is the mean over
 * all their examples.
 *
 * <pre>{@code
 * trainer.reduceLogs(DistributedMetrics.average(comm));
 * }</pre>
 */
public final class DistributedMetrics {
    private DistributedMetrics() {}

    /**
     * {@return a reducer that averages each value over the ranks (in float64); the ranks must log
     * the same keys in the same order, which it checks}
     *
     * @param comm the ranks
     */
    public static UnaryOperator<Map<String, Double>> average(Communicator comm) {
        if (comm == null) throw new IllegalArgumentException("DistributedMetrics.average: the communicator is null");
        return logs -> {
            if (comm.size() == 1) return logs;
            String keys = String.join(",", logs.keySet());
            double[] v = new double[logs.size()];
            int i = 0;
            for (double x : logs.values()) v[i++] = x;
            Tensor sum, max, min;
            try (var g = GradMode.noGrad()) {
                sum = Tensor.of(v, v.length);
                max = Tensor.scalar(keys.hashCode(), DType.FLOAT64).reshape(1);
                min = max.clone();
            }
            comm.allReduce(max, ReduceOp.MAX);
            comm.allReduce(min, ReduceOp.MIN);
            if (max.item() != min.item()) {
                throw new DistributedException("DistributedMetrics.average: the ranks logged different keys (this rank: " + keys + ")");
            }
            comm.allReduce(sum, ReduceOp.AVG);
            double[] avg = sum.toDoubleArray();
            Map<String, Double> out = new LinkedHashMap<>();
            i = 0;
            for (String k : logs.keySet()) out.put(k, avg[i++]);
            return out;
        };
    }
}
