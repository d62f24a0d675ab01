package dev.jgrad.nn.train;

import dev.jgrad.tensor.Tensor;

/** Accuracy, precision, recall and F1 from one confusion matrix (macro averages, as scikit-learn's "macro"). */
final class ConfusionMetric implements Metric {
    private final String name;
    private int classes;
    private long[][] counts;   // [true][predicted]
    private long correct, total;

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
        counts = classes > 0 ? new long[classes][classes] : null;
        correct = 0;
        total = 0;
    }

    @Override
    public void update(Tensor output, Tensor target) {
        long[] predicted = predictions(output);
        long[] truth = target.reshape(-1).toLongArray();
        if (predicted.length != truth.length) {
            throw new IllegalArgumentException(name + ": " + predicted.length + " predictions for " + truth.length + " targets (output "
                    + java.util.Arrays.toString(output.shape()) + ", target " + java.util.Arrays.toString(target.shape()) + ")");
        }
        for (int i = 0; i < truth.length; i++) {
            if (predicted[i] == truth[i]) correct++;
            total++;
            if (counts != null) {
                if (truth[i] < 0 || truth[i] >= classes || predicted[i] >= classes) {
                    throw new IllegalArgumentException(name + ": class " + Math.max(truth[i], predicted[i]) + " outside [0, " + classes + ")");
                }
                counts[(int) truth[i]][(int) predicted[i]]++;
            }
        }
    }

    private static long[] predictions(Tensor output) {
        if (output.dim() >= 2 && output.size(-1) > 1) return output.argmax(-1, false).reshape(-1).toLongArray();
        float[] v = output.reshape(-1).toFloatArray();
        long[] p = new long[v.length];
        for (int i = 0; i < v.length; i++) p[i] = v[i] > 0 ? 1 : 0;
        return p;
    }

    @Override
    public double value() {
        if (counts == null || name.equals("accuracy")) return total == 0 ? Double.NaN : (double) correct / total;
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            long tp = counts[c][c], predicted = 0, actual = 0;
            for (int k = 0; k < classes; k++) {
                predicted += counts[k][c];
                actual += counts[c][k];
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
