package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * Long short-term memory, PyTorch's {@code nn.LSTM}. With gates stacked in PyTorch's order
 * i, f, g, o (so W_ih is [W_ii; W_if; W_ig; W_io]), each step computes
 * <pre>
 *   i = σ(x·W_iiᵀ + b_ii + h·W_hiᵀ + b_hi)     f = σ(… W_if, W_hf …)
 *   g = tanh(… W_ig, W_hg …)                     o = σ(… W_io, W_ho …)
 *   c' = f·c + i·g                               h' = o·tanh(c')
 * </pre>
 * and with {@code projSize > 0}, h' = (o·tanh(c'))·W_hrᵀ (PyTorch's projections). Layers,
 * directions, layouts and parameter names are PyTorch's; see {@link RNNBase}.
 *
 * <pre>{@code
 * LSTM lstm = new LSTM(10, 20, 2);
 * RNNBase.Output o = lstm.forward(Tensor.randn(5, 3, 10), null, null);
 * // o.output() [5, 3, 20], o.hN() and o.cN() [2, 3, 20]
 * }</pre>
 */
public final class LSTM extends RNNBase {
    /**
     * One layer, with bias, sequence first.
     *
     * @param inputSize  features of each input step
     * @param hiddenSize features of the hidden state
     */
    public LSTM(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, 1);
    }

    /**
     * {@code numLayers} layers, with bias, sequence first.
     *
     * @param inputSize  features of each input step
     * @param hiddenSize features of the hidden state
     * @param numLayers  the number of stacked layers
     */
    public LSTM(int inputSize, int hiddenSize, int numLayers) {
        this(inputSize, hiddenSize, numLayers, true, false, 0, false);
    }

    /**
     * See {@link RNN#RNN(int, int, int, RNN.Nonlinearity, boolean, boolean, double, boolean)} for the
     * arguments.
     *
     * @param inputSize     features of each input step
     * @param hiddenSize    features of the hidden state
     * @param numLayers     the number of stacked layers
     * @param bias          whether the layers have biases
     * @param batchFirst    inputs and outputs are [N, L, …] rather than [L, N, …]
     * @param dropout       probability of zeroing each output of every layer but the last, in training mode
     *                      only
     * @param bidirectional also run each layer from the last step to the first and concatenate
     */
    public LSTM(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout, boolean bidirectional) {
        this(inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, 0);
    }

    /**
     * With {@code projSize} in [1, hiddenSize), the hidden state is projected down to projSize by {@code
     * weight_hr_l{k}}.
     *
     * @param inputSize     features of each input step
     * @param hiddenSize    features of the cell state
     * @param numLayers     the number of stacked layers
     * @param bias          whether the layers have biases
     * @param batchFirst    inputs and outputs are [N, L, …] rather than [L, N, …]
     * @param dropout       probability of zeroing each output of every layer but the last, in training mode
     *                      only
     * @param bidirectional also run each layer from the last step to the first and concatenate
     * @param projSize      the size of the projected hidden state, or 0 for no projection
     */
    public LSTM(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout, boolean bidirectional,
                int projSize) {
        super(4, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);
    }

    /**
     * {@return the output sequence and the final hidden and cell states, from {@code h0} and {@code c0}
     * (null: zeros)}
     *
     * @param input the sequence
     * @param h0    the initial hidden states, or null for zeros
     * @param c0    the initial cell states, or null for zeros
     */
    public Output forward(Tensor input, Tensor h0, Tensor c0) {
        Args.input(this, input);
        return run(input, h0, c0, namedParameters()::get);
    }

    @Override
    Tensor[] cell(Tensor xp, Tensor h, Tensor c, Tensor whhT, Tensor bhh, Tensor whrT) {
        Tensor gates = xp.add(h.matmul(whhT));
        if (bhh != null) gates = gates.add(bhh);
        int hs = hiddenSize;
        Tensor i = gates.narrow(1, 0, hs).sigmoid();
        Tensor f = gates.narrow(1, hs, hs).sigmoid();
        Tensor g = gates.narrow(1, 2 * hs, hs).tanh();
        Tensor o = gates.narrow(1, 3 * hs, hs).sigmoid();
        Tensor c2 = f.mul(c).add(i.mul(g));
        Tensor h2 = o.mul(c2.tanh());
        if (whrT != null) h2 = h2.matmul(whrT);
        return new Tensor[] {h2, c2};
    }
}
