package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * An Elman recurrent network, PyTorch's {@code nn.RNN}: at each step
 * h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) with act = tanh or relu, stacked over
 * {@code numLayers} layers, optionally in both directions. Parameter names, shapes, initial
 * values' distribution and the input/output layouts are PyTorch's; see {@link RNNBase}.
 *
 * <pre>{@code
 * RNN rnn = new RNN(8, 16, 2, RNN.Nonlinearity.TANH, true, false, 0.0, false);
 * Tensor out = rnn.forward(Tensor.randn(5, 3, 8));              // [5, 3, 16]
 * RNNBase.Output o = rnn.forward(Tensor.randn(5, 3, 8), h0);     // h0 [2, 3, 16]; o.hN() [2, 3, 16]
 * }</pre>
 */
public final class RNN extends RNNBase {
    /** The activation of the recurrence. */
    public enum Nonlinearity {
        /** h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh). */
        TANH,
        /** h' = relu(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh). */
        RELU
    }

    private final Nonlinearity nonlinearity;

    /**
     * One layer, tanh, with bias, sequence first.
     *
     * @param inputSize  features of each input step
     * @param hiddenSize features of the hidden state
     */
    public RNN(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, 1);
    }

    /**
     * {@code numLayers} layers, tanh, with bias, sequence first.
     *
     * @param inputSize  features of each input step
     * @param hiddenSize features of the hidden state
     * @param numLayers  the number of stacked layers
     */
    public RNN(int inputSize, int hiddenSize, int numLayers) {
        this(inputSize, hiddenSize, numLayers, Nonlinearity.TANH, true, false, 0, false);
    }

    /**
     * An Elman RNN with every option of PyTorch's.
     *
     * @param inputSize     features of each input step
     * @param hiddenSize    features of the hidden state
     * @param numLayers     the number of stacked layers
     * @param nonlinearity  tanh or ReLU
     * @param bias          whether the layers have biases
     * @param batchFirst    inputs and outputs are [N, L, …] rather than [L, N, …]
     * @param dropout       probability of zeroing each output of every layer but the last, in
     *                      training mode only
     * @param bidirectional also run each layer from the last step to the first and concatenate
     */
    public RNN(int inputSize, int hiddenSize, int numLayers, Nonlinearity nonlinearity, boolean bias, boolean batchFirst,
               double dropout, boolean bidirectional) {
        super(1, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, 0);
        this.nonlinearity = Args.notNull("RNN", "nonlinearity", nonlinearity);
    }

    /**
     * {@return the output sequence and the final hidden states, from {@code h0} (null: zeros)}
     *
     * @param input the sequence
     * @param h0    the initial hidden states, or null for zeros
     */
    public Output forward(Tensor input, Tensor h0) {
        Args.input(this, input);
        return run(input, h0, null, namedParameters()::get);
    }

    @Override
    Tensor[] cell(Tensor xp, Tensor h, Tensor c, Tensor whhT, Tensor bhh, Tensor whrT) {
        Tensor pre = xp.add(h.matmul(whhT));
        if (bhh != null) pre = pre.add(bhh);
        return new Tensor[] {nonlinearity == Nonlinearity.TANH ? pre.tanh() : pre.relu(), null};
    }

    @Override
    protected String extraRepr() {
        return super.extraRepr() + (nonlinearity == Nonlinearity.RELU ? ", nonlinearity=relu" : "");
    }
}
