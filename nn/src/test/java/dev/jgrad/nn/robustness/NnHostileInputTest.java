package dev.jgrad.nn.robustness;

import static dev.jgrad.nn.BadInput.fails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.Conv2d;
import dev.jgrad.nn.Embedding;
import dev.jgrad.nn.GRU;
import dev.jgrad.nn.Init;
import dev.jgrad.nn.LSTM;
import dev.jgrad.nn.LayerNorm;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.PositionalEncoding;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.TransformerEncoder;
import dev.jgrad.nn.TransformerEncoderLayer;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.Clip;
import dev.jgrad.nn.optim.LRScheduler;
import dev.jgrad.nn.optim.ReduceLROnPlateau;
import dev.jgrad.nn.optim.SGD;
import dev.jgrad.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** One test per class of hostile input NnApiFuzzTest found in the nn entry points. */
class NnHostileInputTest {

    @Test
    void hugeLayerCountsFailBeforeAllocating() {
        // built layer after layer until OutOfMemoryError (or for minutes)
        fails(() -> new GRU(16, 4, Integer.MAX_VALUE), "GRU", "2147483647 layers", "more than the Java heap holds");
        fails(() -> new LSTM(8, Integer.MAX_VALUE / 2), "LSTM", "hidden size 1073741823");
        fails(() -> new TransformerEncoder(i -> new TransformerEncoderLayer(4, 2, 8, 0.1, "relu", 1e-5, true, false), Integer.MAX_VALUE),
                "TransformerEncoder", "2147483647 layers");
        fails(() -> new TransformerEncoder(i -> null, 2), "layer factory returned null for layer 0");
    }

    @Test
    void sizeArithmeticThatOverflowed() {
        // maxLen * dModel overflowed an int: NegativeArraySizeException, ArrayIndexOutOfBounds
        fails(() -> new PositionalEncoding(16, Integer.MAX_VALUE, 0, false), "PositionalEncoding", "2147483647 x 16");
        fails(() -> new PositionalEncoding(Integer.MAX_VALUE, 2, 0, false), "PositionalEncoding");
    }

    @Test
    void conv2dTakesOneOrTwoKernelSizes() {
        // kernel[1] of a one-value array was an ArrayIndexOutOfBoundsException
        Conv2d square = new Conv2d(1, 2, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, 1, true);
        assertArrayEquals(new int[] {2, 1, 3, 3}, square.weight.shape());
        fails(() -> new Conv2d(1, 2, new int[] {3, 3, 3}, new int[] {1}, new int[] {0}, new int[] {1}, 1, true), "Conv2d", "kernel",
                "1 or 2 values");
        fails(() -> new Conv2d(1, 2, null, new int[] {1}, new int[] {0}, new int[] {1}, 1, true), "Conv2d", "kernel is null");
    }

    @Test
    void embeddingRejectsNegativeIndices() {
        // index -1 used to take the last row silently; PyTorch raises
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> new Embedding(5, 2).forward(Tensor.of(new long[] {1, -1})));
        assertTrue(e.getMessage().contains("embedding: index -1 is out of bounds for dimension 0 with size 5"), e.getMessage());
    }

    @Test
    void nllOfA0dTensor() {
        // removeDim of a 0-d shape: NegativeArraySizeException
        fails(() -> Losses.nll(Tensor.scalar(0.5), Tensor.of(new long[] {0})), "nll", "0-d");
    }

    @Test
    void nanHyperparametersAreRefused() {
        Tensor w = Tensor.zeros(4, 4);
        fails(() -> Init.normal(w, 0, Double.NaN), "Init.normal", "std is NaN");
        fails(() -> Init.uniform(w, Double.NaN, 1), "Init.uniform", "low is NaN");
        fails(() -> Init.kaimingUniform(w, Double.NaN), "Init.kaimingUniform", "a is NaN");
        fails(() -> Init.xavierNormal(w, Double.NaN), "Init.xavierNormal", "gain is NaN");
        fails(() -> new LayerNorm(new int[] {4}, Double.NaN, true), "LayerNorm", "eps", "NaN");
        fails(() -> dev.jgrad.nn.Activation.leakyRelu(Double.NaN), "leakyRelu", "slope is NaN");
        SGD opt = new SGD(new Linear(2, 2).parameters(), 0.1);
        fails(() -> LRScheduler.step(opt, 2, Double.NaN), "StepLR", "gamma", "NaN");
        fails(() -> LRScheduler.cosine(opt, 10, Double.NaN), "CosineAnnealingLR", "etaMin", "NaN");
        fails(() -> LRScheduler.cosine(opt, 10, Double.POSITIVE_INFINITY), "etaMin", "Infinity");
        fails(() -> new ReduceLROnPlateau(opt, true, 0.1, 2, Double.NaN, 0, 0), "ReduceLROnPlateau", "threshold");
        fails(() -> new ReduceLROnPlateau(opt, true, 0.1, 2, 1e-4, 0, -1), "ReduceLROnPlateau", "minLr");
        // learning rates were already checked
        fails(() -> new Adam(new Linear(2, 2).parameters(), Double.NaN), "Adam", "learning rate", "NaN");
        fails(() -> opt.setLearningRate(Double.NEGATIVE_INFINITY), "SGD", "learning rate");
    }

    @Test
    void nullArgumentsNameTheirPlace() {
        fails(() -> new Linear(2, 3).forward(null), "Linear.forward: the input is null");
        fails(() -> new Sequential(new Linear(2, 2), null), "Sequential.add", "layer 1 is null");
        fails(() -> Losses.mse(Tensor.ones(2), null), "mse", "target is null");
        fails(() -> Losses.crossEntropy(null, Tensor.of(new long[] {0})), "cross_entropy", "logits is null");
        fails(() -> Losses.l2Penalty(Arrays.asList(Tensor.ones(1), null)), "l2Penalty", "a parameter is null");
        fails(() -> new SGD(null, 0.1), "SGD", "parameter list is null");
        fails(() -> new Adam(Arrays.asList(new Tensor[] {null}), 0.1), "Adam", "holds null");
        fails(() -> Clip.gradNorm(null, 1), "gradNorm", "null");
        fails(() -> LRScheduler.step(null, 1, 0.5), "the optimizer is null");
        fails(() -> new DataLoader(null, 4, false, 0), "DataLoader", "dataset is null");
        fails(() -> Init.zeros(null), "Init.constant", "tensor is null");
        fails(() -> new TransformerEncoderLayer(4, 2, 8, 0.1, (String) null, 1e-5, true, false), "activation is null");
        fails(() -> new dev.jgrad.nn.RNN(2, 2).forward(null, null), "RNN.forward: the input is null");
    }
}
