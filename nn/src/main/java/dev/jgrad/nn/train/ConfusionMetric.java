package dev.jgrad.nn.train;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * Accuracy, precision, recall and F1 from one confusion matrix (macro averages, as scikit-learn's
 * "macro"). The counts stay on the outputs' device as int64 tensors and are read once, in
 * {@link #value()}, so that a training loop on a GPU does not wait for the device after every batch.
 *
 * <p>The confusion matrix of a batch is {@code onehot(truth)ᵀ · onehot(predicted)}, a [C, N] × [N, C]
 * product in float64 (every entry an integer count far below 2⁵³, so exact). Neither
 * {@code scatterAdd} nor {@code oneHot} serves here: both read their indices' range back to the
 * host to check it, which is the very wait this class avoids.
 *
 * <p>Classes outside [0, C) are still refused: on the CPU by {@link #update} at once, as ever
 * (reading a CPU tensor costs nothing); on a GPU by {@link #value()}, from the smallest and largest
 * class seen, which the device keeps.
 */
final class ConfusionMetric implements Metric {
    private final String name;
    private final int classes;   // 0 for plain accuracy, which needs no matrix
    private Tensor correct;      // int64 0-d; null until the first batch
    private long total;          // known from the shapes: needs no read from the device
    private Tensor counts;       // int64 [true][predicted], [classes, classes]
    private Tensor lowest;       // int64 0-d: the smallest target seen
    private Tensor highest;      // int64 0-d: the largest target or prediction seen
    private Tensor classIds;     // 0 … classes−1 (int64) on the outputs' device, made once per device

    ConfusionMetric(String name, int classes) {
        this.name = name;
        this.classes = classes;
        reset();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void reset() {
        for (Tensor t : new Tensor[] {correct, counts, lowest, highest}) RunningTensors.close(t);
        correct = counts = lowest = highest = null;
        total = 0;
    }

    @Override
    public void update(Tensor output, Tensor target) {
        try (var _ = Tensor.scope()) {   // the batch's temporaries are freed here; the running counts escape
            accumulate(output, target);
        }
    }

    private void accumulate(Tensor output, Tensor target) {
        Tensor predicted = predictions(output);
        Tensor truth = target.reshape(-1).to(DType.INT64);
        if (predicted.numel() != truth.numel()) {
            throw new IllegalArgumentException(name + ": " + predicted.numel() + " predictions for " + truth.numel() + " targets (output "
                    + Arrays.toString(output.shape()) + ", target " + Arrays.toString(target.shape()) + ")");
        }
        if (truth.numel() == 0) return;
        correct = RunningTensors.add(correct, predicted.eq(truth).sum());
        total += truth.numel();
        if (classes == 0) return;
        lowest = RunningTensors.replace(lowest, lowest == null ? truth.min() : lowest.minimum(truth.min()));
        highest = RunningTensors.replace(highest, highest == null ? truth.maximum(predicted).max() : highest.maximum(truth.maximum(predicted).max()));
        if (truth.device().type() == Device.Type.CPU) checkClassesSeen();
        counts = RunningTensors.add(counts, confusion(truth, predicted));
    }

    /** Class indices [N] (int64, on the outputs' device): argmax for [N, C] outputs, output &gt; 0 for binary ones. */
    private static Tensor predictions(Tensor output) {
        if (output.dim() >= 2 && output.size(-1) > 1) return output.argmax(-1, false).reshape(-1);
        // compared as float32, as the values were when they were read to the host and compared there
        return output.reshape(-1).to(DType.FLOAT32).gt(0).to(DType.INT64);
    }

    /** This batch's [classes, classes] counts (int64), truth along the rows. */
    private Tensor confusion(Tensor truth, Tensor predicted) {
        if (classIds == null || !classIds.device().equals(truth.device())) {
            classIds = RunningTensors.replace(classIds, Tensor.arange(classes).to(truth.device()));
        }
        Tensor truthHot = truth.unsqueeze(1).eq(classIds).to(DType.FLOAT64);       // [N, C]
        Tensor predictedHot = predicted.unsqueeze(1).eq(classIds).to(DType.FLOAT64);
        return truthHot.t().matmul(predictedHot).to(DType.INT64);
    }

    /** Refuses classes outside [0, classes), naming the one furthest out of range. */
    private void checkClassesSeen() {
        if (lowest == null) return;
        long lo = lowest.itemLong(), hi = highest.itemLong();
        if (lo < 0 || hi >= classes) {
            throw new IllegalArgumentException(name + ": class " + (hi >= classes ? hi : lo) + " outside [0, " + classes + ")");
        }
    }

    @Override
    public double value() {
        if (classes == 0 || name.equals("accuracy")) return total == 0 ? Double.NaN : (double) correct.itemLong() / total;
        checkClassesSeen();
        // the one read from the device, row-major [true][predicted]; nothing seen yet: all zeros, as ever
        long[] c = counts == null ? new long[classes * classes] : counts.toLongArray();
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            long tp = c[k * classes + k], predicted = 0, actual = 0;
            for (int j = 0; j < classes; j++) {
                predicted += c[j * classes + k];
                actual += c[k * classes + j];
            }
            double precision = predicted == 0 ? 0 : (double) tp / predicted;
            double recall = actual == 0 ? 0 : (double) tp / actual;
            sum += switch (name) {
                case "precision" -> precision;
                case "recall" -> recall;
                default -> precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            };
        }
        return sum / classes;
    }
}
