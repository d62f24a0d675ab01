package dev.jgrad.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.cuda.Cuda;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Loss;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.data.TensorDataset;
import dev.jgrad.nn.optim.SGD;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The training losses read back a group of steps at a time ({@link Trainer#lossSyncEvery(int)}):
 * every batch is still delivered once, in order, with the value it has when read every step; a
 * non-finite loss still names its batch; and the metrics and validation loss, now accumulated on
 * the device, give the numbers the host-side sums gave.
 */
class DeferredLossesTest {
    /** 64 points in 3 classes by the sign pattern of two coordinates; 64 / 10 = 7 batches, the last of 4. */
    private static TensorDataset data(long seed) {
        Generator g = new Generator(seed);
        Tensor x = Tensor.randn(g, 64, 2);
        float[] v = x.toFloatArray();
        long[] y = new long[64];
        for (int n = 0; n < 64; n++) y[n] = v[2 * n] < 0 ? 0 : v[2 * n + 1] < 0 ? 1 : 2;
        return new TensorDataset(x, Tensor.of(y, 64));
    }

    private static Device device(String name) {
        Device d = Device.parse(name);
        if (d.type() == Device.Type.CUDA) assumeTrue(Cuda.isAvailable(), () -> "no CUDA device: " + Cuda.unavailableReason());
        return d;
    }

    /** Counts the loss evaluations of the current training epoch, so a listener can tell how far training ran ahead. */
    static final class CountingLoss implements Loss {
        final Loss inner;
        final int nanAtCall;   // 1-based count over the whole run at which the loss is made NaN; 0: never
        int calls, callsThisEpoch;

        CountingLoss(Loss inner, int nanAtCall) {
            this.inner = inner;
            this.nanAtCall = nanAtCall;
        }

        @Override
        public Tensor apply(Tensor output, Tensor target) {
            Tensor l = inner.apply(output, target);
            if (!GradMode.isEnabled()) return l;   // evaluation: not a training step
            calls++;
            callsThisEpoch++;
            return calls == nanAtCall ? l.mul(Double.NaN) : l;
        }
    }

    /** Records each batch delivery with its value, and how many steps had been taken when it came. */
    static final class Spy implements TrainingListener {
        final CountingLoss loss;
        final List<String> events = new ArrayList<>();
        final List<Double> losses = new ArrayList<>();
        final List<Integer> stepsTakenAtDelivery = new ArrayList<>();

        Spy(CountingLoss loss) {
            this.loss = loss;
        }

        public void onEpochBegin(Trainer t, int epoch) {
            loss.callsThisEpoch = 0;
            events.add("epoch " + epoch);
        }

        public void onBatchEnd(Trainer t, int epoch, int batch, double value, int size) {
            events.add("batch " + epoch + "." + batch + " " + size);
            losses.add(value);
            stepsTakenAtDelivery.add(loss.callsThisEpoch);
        }

        public void onEpochEnd(Trainer t, int epoch, Map<String, Double> logs) {
            events.add("end " + epoch + " " + logs.keySet());
        }
    }

    private record Run(Spy spy, History history) {}

    private static Run train(Device d, Integer syncEvery, int nanAtCall) {
        Tensor.manualSeed(3);
        Module m = new Sequential(new Linear(2, 3));
        CountingLoss loss = new CountingLoss(Losses::crossEntropy, nanAtCall);
        Spy spy = new Spy(loss);
        Trainer t = new Trainer(m, new SGD(m.parameters(), 0.3, 0.9, false, 0), loss).device(d)
                .metrics(Metric.accuracy(), Metric.f1(3)).listeners(spy);
        if (syncEvery != null) t.lossSyncEvery(syncEvery);
        History h = t.fit(new DataLoader(data(1), 10, true, 5), new DataLoader(data(2), 16, false, 0), 3);
        return new Run(spy, h);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cpu", "cuda"})
    void everyBatchIsDeliveredOnceInOrderWithTheValuesReadEveryStep(String deviceName) {
        Device d = device(deviceName);
        Run every = train(d, 1, 0), grouped = train(d, 4, 0);

        assertEquals(every.spy.events, grouped.spy.events, "the same calls in the same order");
        assertEquals(3 * (1 + 7 + 1), grouped.spy.events.size());
        assertEquals("batch 1.7 4", grouped.spy.events.get(7), "the last, short batch of the epoch");
        double tolerance = d.type() == Device.Type.CPU ? 0 : 1e-6;
        for (int i = 0; i < every.spy.losses.size(); i++) {
            assertEquals(every.spy.losses.get(i), grouped.spy.losses.get(i), tolerance, "loss of delivery " + i);
        }
        for (String k : every.history.keys()) {
            if (k.equals("seconds")) continue;
            for (int e = 0; e < 3; e++) assertEquals(every.history.get(k).get(e), grouped.history.get(k).get(e), tolerance, k + " epoch " + e);
        }

        // read every step: each batch arrives right after its own step; every 4: in bursts of 4, the last 3 at the epoch's end
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), every.spy.stepsTakenAtDelivery.subList(0, 7));
        assertEquals(List.of(4, 4, 4, 4, 7, 7, 7), grouped.spy.stepsTakenAtDelivery.subList(0, 7));
        assertEquals(List.of(4, 4, 4, 4, 7, 7, 7), grouped.spy.stepsTakenAtDelivery.subList(14, 21));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cpu", "cuda"})
    void aNonFiniteLossNamesItsBatchWhenReadLater(String deviceName) {
        Device d = device(deviceName);
        // step 6 = epoch 1, batch 6: its group (5–7) is read at the end of the epoch, after step 7
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> train(d, 4, 6));
        assertTrue(e.getMessage().contains("the loss became NaN at epoch 1, batch 6;"), e.getMessage());
        assertTrue(e.getMessage().contains("read every 4 steps; training had reached batch 7"), e.getMessage());

        // step 9 = epoch 2, batch 2, read with its group after step 4 of epoch 2
        IllegalStateException second = assertThrows(IllegalStateException.class, () -> train(d, 4, 9));
        assertTrue(second.getMessage().contains("the loss became NaN at epoch 2, batch 2;"), second.getMessage());
        assertTrue(second.getMessage().contains("training had reached batch 4"), second.getMessage());

        // read every step: the message is today's, with nothing added
        IllegalStateException now = assertThrows(IllegalStateException.class, () -> train(d, 1, 6));
        assertTrue(now.getMessage().endsWith("the loss became NaN at epoch 1, batch 6; lower the learning rate or check the data"),
                now.getMessage());
    }

    @Test
    void batchesBeforeTheNonFiniteOneAreDelivered() {
        CountingLoss loss = new CountingLoss(Losses::crossEntropy, 6);
        Spy spy = new Spy(loss);
        Tensor.manualSeed(3);
        Module m = new Sequential(new Linear(2, 3));
        Trainer t = new Trainer(m, new SGD(m.parameters(), 0.3), loss).listeners(spy).lossSyncEvery(4);
        assertThrows(IllegalStateException.class, () -> t.fit(new DataLoader(data(1), 10, false, 0), null, 1));
        assertEquals(List.of("epoch 1", "batch 1.1 10", "batch 1.2 10", "batch 1.3 10", "batch 1.4 10", "batch 1.5 10"), spy.events);
    }

    @Test
    void lossSyncEveryIsCheckedAndDefaultsByDevice() {
        Module m = new Sequential(new Linear(2, 3));
        Trainer t = new Trainer(m, new SGD(m.parameters(), 0.1), Losses::crossEntropy);
        assertEquals(1, t.lossSyncEvery(), "the CPU reads every step, as before");
        assertEquals(1, Trainer.defaultLossSyncEvery(Device.CPU));
        assertEquals(Trainer.CUDA_LOSS_SYNC_EVERY, Trainer.defaultLossSyncEvery(Device.cuda()));
        assertEquals(16, Trainer.CUDA_LOSS_SYNC_EVERY);
        for (int bad : new int[] {0, -3}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.lossSyncEvery(bad));
            assertTrue(e.getMessage().contains("lossSyncEvery") && e.getMessage().contains(">= 1") && e.getMessage().contains("got " + bad),
                    e.getMessage());
        }
        assertEquals(1, t.lossSyncEvery(), "a refused value changes nothing");
        assertEquals(5, t.lossSyncEvery(5).lossSyncEvery());
    }

    /** The progress bar's lines with the clock-dependent figures (rate, time left, epoch time) blanked. */
    private static List<String> progressLines(int syncEvery) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Tensor.manualSeed(3);
        Module m = new Sequential(new Linear(2, 3));
        Trainer t = new Trainer(m, new SGD(m.parameters(), 0.3), Losses::crossEntropy).metrics(Metric.accuracy())
                .listeners(new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), false)).lossSyncEvery(syncEvery);
        t.fit(new DataLoader(data(1), 3, false, 0), null, 2);   // 22 batches per epoch
        return bytes.toString(StandardCharsets.UTF_8).lines()
                .map(l -> l.replaceAll("\\d+ samples/s  ETA \\d+:\\d\\d", "R samples/s  ETA T").replaceAll("done in \\d+\\.\\ds", "done in Ts"))
                .toList();
    }

    @Test
    void theProgressBarPrintsTheSameLinesWhenBatchesComeInBursts() {
        List<String> every = progressLines(1), grouped = progressLines(4);
        assertEquals(every, grouped);
        assertEquals(2 * (10 + 1), every.size(), String.join("\n", every));
    }

    // ---------------------------------------------------------------------------------------------
    // Metrics and the validation loss accumulate on the device: the numbers the host sums gave
    // ---------------------------------------------------------------------------------------------

    @Test
    void errorMetricsEqualTheHostSumsBitForBit() {
        Generator g = new Generator(7);
        Metric mse = Metric.mse(), mae = Metric.mae();
        double squares = 0, absolutes = 0;
        long count = 0;
        for (int batch = 0; batch < 5; batch++) {
            Tensor out = Tensor.randn(g, 33, 1), target = Tensor.randn(g, 33);
            mse.update(out, target);
            mae.update(out, target);
            Tensor diff = out.reshape(-1).sub(target);
            squares += diff.square().sum().item();   // what the metric did before: one float32 sum per batch, added in a double
            absolutes += diff.abs().sum().item();
            count += 33;
        }
        assertEquals(squares / count, mse.value(), 0);
        assertEquals(absolutes / count, mae.value(), 0);
    }

    @Test
    void classificationMetricsEqualTheHostCountsOverManyBatches() {
        Generator g = new Generator(9);
        int classes = 5;
        long[][] confusion = new long[classes][classes];
        long correct = 0, total = 0;
        List<Metric> ms = List.of(Metric.accuracy(), Metric.precision(classes), Metric.recall(classes), Metric.f1(classes));
        for (int batch = 0; batch < 4; batch++) {
            Tensor logits = Tensor.randn(g, 40, classes), labels = Tensor.randint(g, 0, classes, 40);
            for (Metric m : ms) m.update(logits, labels);
            long[] p = logits.argmax(-1, false).toLongArray(), y = labels.toLongArray();
            for (int i = 0; i < y.length; i++) {
                confusion[(int) y[i]][(int) p[i]]++;
                if (p[i] == y[i]) correct++;
                total++;
            }
        }
        double precision = 0, recall = 0, f1 = 0;
        for (int c = 0; c < classes; c++) {
            long predicted = 0, actual = 0;
            for (int k = 0; k < classes; k++) {
                predicted += confusion[k][c];
                actual += confusion[c][k];
            }
            double pc = predicted == 0 ? 0 : (double) confusion[c][c] / predicted, rc = actual == 0 ? 0 : (double) confusion[c][c] / actual;
            precision += pc;
            recall += rc;
            f1 += pc + rc == 0 ? 0 : 2 * pc * rc / (pc + rc);
        }
        assertEquals((double) correct / total, ms.get(0).value(), 0);
        assertEquals(precision / classes, ms.get(1).value(), 0);
        assertEquals(recall / classes, ms.get(2).value(), 0);
        assertEquals(f1 / classes, ms.get(3).value(), 0);
    }

    @Test
    void classMetricsStayAsBeforeAtTheEdges() {
        Metric p = Metric.precision(3);
        assertEquals(0.0, p.value(), "nothing seen: every class has precision 0, as before");
        Metric acc = Metric.accuracy();
        acc.update(Tensor.of(new float[] {0.5f, -0.5f, 2f}, 3), Tensor.of(new float[] {1f, 0f, 0f}, 3));   // float 0/1 targets
        assertEquals(2.0 / 3, acc.value(), 1e-15);
        acc.update(Tensor.zeros(0), Tensor.zeros(0));
        assertEquals(2.0 / 3, acc.value(), 1e-15, "an empty batch adds nothing");
    }

    @Test
    void anOutOfRangeClassIsRefusedAtOnceOnTheCpuAndAgainByValue() {
        Metric f1 = Metric.f1(3);
        Tensor logits = Tensor.of(new float[] {5, 0, 0, 0, 5, 0}, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f1.update(logits, Tensor.of(new long[] {0, 3}, 2)));
        assertTrue(e.getMessage().contains("f1: class 3 outside [0, 3)"), e.getMessage());
        IllegalArgumentException later = assertThrows(IllegalArgumentException.class, f1::value);
        assertTrue(later.getMessage().contains("class 3 outside [0, 3)"), later.getMessage());
        f1.reset();
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> f1.update(logits, Tensor.of(new long[] {-1, 1}, 2)));
        assertTrue(negative.getMessage().contains("class -1 outside [0, 3)"), negative.getMessage());
        f1.reset();
        f1.update(logits, Tensor.of(new long[] {0, 1}, 2));
        assertEquals(1.0 / 3 * (1 + 1 + 0), f1.value(), 1e-15, "after reset the metric works again");
    }

    @Test
    void theValidationLossIsTheHostSumOfItsBatches() {
        Tensor.manualSeed(3);
        Module m = new Sequential(new Linear(2, 3));
        Trainer t = new Trainer(m, new SGD(m.parameters(), 0.1), Losses::crossEntropy);
        DataLoader val = new DataLoader(data(2), 10, false, 0);
        double sum = 0;
        long samples = 0;
        try (var _ = GradMode.noGrad()) {
            for (Batch b : val) {
                sum += Losses.crossEntropy(m.forward(b.inputs()), b.targets()).item() * b.size();
                samples += b.size();
            }
        }
        assertEquals(sum / samples, t.evaluate(val).get("loss"), 0);
    }
}
