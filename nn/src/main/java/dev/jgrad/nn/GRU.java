package dev.jgrad.nn;

import dev.jgrad.tensor.Tensor;

/**
 * Gated recurrent unit, PyTorch's {@code nn.GRU}. With gates stacked in PyTorch's order r, z, n,
 * each step computes PyTorch's exact formula (the reset gate multiplies the hidden projection
 * after its bias):
 * <pre>
 *   r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr)
 *   z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz)
 *   n = tanh(x·W_inᵀ + b_in + r·(h·W_hnᵀ + b_hn))
 *   h' = (1 − z)·n + z·h
 * </pre>
 * Layers, directions, layouts and parameter names are PyTorch's; see {@link RNNBase}.
 *
 * <pre>{@code
 * GRU gru = new GRU(10, 20, 1, true, true, 0.0, true);   // batch first, bidirectional
 * RNNBase.Output o = gru.forward(Tensor.randn(3, 5, 10), null);
 * // o.output() [3, 5, 40], o.hN() [2, 3, 20]
 * }</pre>
 */
public final class GRU extends RNNBase {
    /**
     * One layer, with bias, sequence first.
     *
     * @param inputSize  features of each input step
     * @param hiddenSize features of the hidden state
     */
    public GRU(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, 1);
    }

    /**
     * {@code numLayers} layers, with bias, sequence first.
     *
     * @param inputSize  features of each input step
     * @param hiddenSize features of the hidden state
     * @param numLayers  the number of stacked layers
     */
    public GRU(int inputSize, int hiddenSize, int numLayers) {
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
    public GRU(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout, boolean bidirectional) {
        super(3, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, 0);
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
        Tensor hp = h.matmul(whhT);
        if (bhh != null) hp = hp.add(bhh);
        int hs = hiddenSize;
        Tensor r = xp.narrow(1, 0, hs).add(hp.narrow(1, 0, hs)).sigmoid();
        Tensor z = xp.narrow(1, hs, hs).add(hp.narrow(1, hs, hs)).sigmoid();
        Tensor n = xp.narrow(1, 2 * hs, hs).add(r.mul(hp.narrow(1, 2 * hs, hs))).tanh();
        return new Tensor[] {n.add(z.mul(h.sub(n))), null};   // (1 − z)·n + z·h
    }
}
