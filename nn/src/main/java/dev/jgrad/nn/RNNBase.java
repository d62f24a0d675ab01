package dev.jgrad.nn;

import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * What {@link RNN}, {@link LSTM} and {@link GRU} share, as PyTorch's {@code nn.RNNBase}: stacked
 * layers, one or two directions, the input layout, dropout between layers, initial states and
 * PyTorch's parameter names and shapes, so that a PyTorch state dict loads as is.
 *
 * <p>Parameters, for layer k and suffix "" (forward) or "_reverse" (backward direction), with
 * G = 1 (RNN), 4 (LSTM) or 3 (GRU) gates stacked in PyTorch's order:
 * <ul>
 *   <li>{@code weight_ih_l{k}{suffix}}: [G·hidden, in], where in is inputSize for layer 0 and
 *       directions·outSize above it;</li>
 *   <li>{@code weight_hh_l{k}{suffix}}: [G·hidden, outSize];</li>
 *   <li>{@code bias_ih_l{k}{suffix}}, {@code bias_hh_l{k}{suffix}}: [G·hidden] (with bias);</li>
 *   <li>{@code weight_hr_l{k}{suffix}}: [projSize, hidden] (LSTM with projSize &gt; 0 only).</li>
 * </ul>
 * outSize is projSize when it is positive, else hiddenSize. Every parameter starts from
 * U(−1/√hidden, 1/√hidden), PyTorch's default.
 *
 * <p>Shapes (L = sequence length, N = batch, D = directions):
 * <ul>
 *   <li>input: [L, N, inputSize], or [N, L, inputSize] with batchFirst, or [L, inputSize]
 *       unbatched;</li>
 *   <li>output: [L, N, D·outSize] (or [N, L, D·outSize], or [L, D·outSize]) — the last layer's
 *       hidden state at every step, both directions concatenated;</li>
 *   <li>h0, hN: [D·numLayers, N, outSize] (or [D·numLayers, outSize] unbatched) whatever
 *       batchFirst says, ordered layer 0 forward, layer 0 reverse, layer 1 forward, …; c0, cN
 *       (LSTM): the same with hiddenSize. Missing initial states are zeros.</li>
 * </ul>
 *
 * <pre>{@code
 * LSTM lstm = new LSTM(32, 64, 2, true, true, 0.1, false);   // 2 layers, batch first
 * RNNBase.Output o = lstm.forward(x, null, null);           // x [batch, steps, 32]
 * Tensor last = o.hN().select(0, -1);                       // [batch, 64]
 * }</pre>
 */
public abstract sealed class RNNBase extends Module permits RNN, LSTM, GRU {
    /**
     * The output sequence and the final states: {@code hN} for every layer and direction, and
     * {@code cN} for an LSTM (null otherwise).
     *
     * @param output the output sequence, each step's last-layer hidden state
     * @param hN     the final hidden states [layers·directions, N, outSize]
     * @param cN     the final cell states of an LSTM, else null
     */
    public record Output(Tensor output, Tensor hN, Tensor cN) {}

    final int inputSize, hiddenSize, numLayers, projSize;
    final boolean bias, batchFirst, bidirectional;
    final double dropout;
    private final int gates;
    private final Generator generator;

    RNNBase(int gates, int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout,
            boolean bidirectional, int projSize) {
        String name = getClass().getSimpleName();
        if (inputSize < 1 || hiddenSize < 1 || numLayers < 1) {
            throw new IllegalArgumentException(name + ": inputSize, hiddenSize and numLayers must be positive, got inputSize=" + inputSize
                    + ", hiddenSize=" + hiddenSize + ", numLayers=" + numLayers);
        }
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException(name + ": dropout must be in [0, 1), got " + dropout);
        if (projSize < 0 || projSize >= hiddenSize && projSize != 0) {
            throw new IllegalArgumentException(name + ": projSize must be 0 (no projection) or in [1, hiddenSize=" + hiddenSize + "), got " + projSize);
        }
        this.gates = gates;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.bias = bias;
        this.batchFirst = batchFirst;
        this.dropout = dropout;
        this.bidirectional = bidirectional;
        this.projSize = projSize;
        this.generator = Generator.getDefault();
        double bound = 1 / Math.sqrt(hiddenSize);
        int out = outSize();
        checkSize(name, gates, inputSize, hiddenSize, numLayers, bias, directions(), out, projSize);
        for (int layer = 0; layer < numLayers; layer++) {
            for (int dir = 0; dir < directions(); dir++) {
                String sfx = suffix(layer, dir);
                int in = layer == 0 ? inputSize : out * directions();
                registerParameter("weight_ih" + sfx, Init.uniform(Tensor.zeros(gates * hiddenSize, in), -bound, bound));
                registerParameter("weight_hh" + sfx, Init.uniform(Tensor.zeros(gates * hiddenSize, out), -bound, bound));
                if (bias) {
                    registerParameter("bias_ih" + sfx, Init.uniform(Tensor.zeros(gates * hiddenSize), -bound, bound));
                    registerParameter("bias_hh" + sfx, Init.uniform(Tensor.zeros(gates * hiddenSize), -bound, bound));
                }
                if (projSize > 0) registerParameter("weight_hr" + sfx, Init.uniform(Tensor.zeros(projSize, hiddenSize), -bound, bound));
            }
        }
    }

    /**
     * Refuses, before allocating anything, a network whose parameters cannot fit in the heap (a
     * huge numLayers used to allocate layer after layer until OutOfMemoryError).
     */
    private static void checkSize(String name, int gates, int inputSize, int hiddenSize, int numLayers, boolean bias, int directions,
                                  int out, int projSize) {
        double g = (double) gates * hiddenSize;
        double rest = g * out + (bias ? 2 * g : 0) + (projSize > 0 ? (double) projSize * hiddenSize : 0);
        double params = directions * (g * inputSize + rest + (numLayers - 1.0) * (g * out * directions + rest));
        double bytes = params * Float.BYTES;
        long max = Runtime.getRuntime().maxMemory();
        if (g > Integer.MAX_VALUE - 8 || bytes > max) {
            throw new IllegalArgumentException(String.format("%s: %d layers of hidden size %d on input size %d have %.3g parameters (%.0f MiB),"
                    + " more than the Java heap holds (%d MiB)", name, numLayers, hiddenSize, inputSize, params, bytes / (1 << 20), max >> 20));
        }
    }

    /** "_l{layer}" plus "_reverse" for the backward direction: the end of each parameter name. */
    static String suffix(int layer, int direction) {
        return "_l" + layer + (direction == 1 ? "_reverse" : "");
    }

    /** {@return features of each input step} */
    public final int inputSize() {
        return inputSize;
    }

    /** {@return features of the cell's hidden state (before any projection)} */
    public final int hiddenSize() {
        return hiddenSize;
    }

    /** {@return number of stacked layers} */
    public final int numLayers() {
        return numLayers;
    }

    /** {@return whether inputs and outputs are [N, L, …] rather than [L, N, …]} */
    public final boolean batchFirst() {
        return batchFirst;
    }

    /** {@return 2 when bidirectional, else 1} */
    public final int directions() {
        return bidirectional ? 2 : 1;
    }

    /** {@return size of the hidden state h: projSize when positive, else hiddenSize} */
    public final int outSize() {
        return projSize > 0 ? projSize : hiddenSize;
    }

    /** The output sequence for {@code input}, starting from zero states. */
    @Override
    public Tensor forward(Tensor input) {
        Args.input(this, input);
        return run(input, null, null, namedParameters()::get).output();
    }

    /**
     * One step of the cell for one layer and direction.
     *
     * @param xp   the input projection x·W_ihᵀ + b_ih at this step, [N, G·hidden]
     * @param h    the previous hidden state [N, outSize]
     * @param c    the previous cell state [N, hidden] (LSTM only, else null)
     * @param whhT W_hhᵀ [outSize, G·hidden]
     * @param bhh  b_hh [G·hidden], or null without bias
     * @param whrT W_hrᵀ [hidden, projSize] (LSTM with a projection only, else null)
     * @return the new h, and the new c for an LSTM
     */
    abstract Tensor[] cell(Tensor xp, Tensor h, Tensor c, Tensor whhT, Tensor bhh, Tensor whrT);

    /**
     * The whole computation with parameters looked up through {@code params} (by their state-dict
     * names), so that tests can substitute them; {@code c0} is only for an LSTM.
     */
    final Output run(Tensor input, Tensor h0, Tensor c0, Function<String, Tensor> params) {
        String name = getClass().getSimpleName();
        boolean lstm = this instanceof LSTM;
        if (input.dim() != 2 && input.dim() != 3 || input.size(-1) != inputSize) {
            throw new IllegalArgumentException(name + ": expected input of shape [L, N, " + inputSize + "]" + (batchFirst ? " (batch first: [N, L, " + inputSize + "])" : "")
                    + " or unbatched [L, " + inputSize + "], got " + Arrays.toString(input.shape()));
        }
        boolean batched = input.dim() == 3;
        Tensor x = batched ? (batchFirst ? input.transpose(0, 1) : input) : input.unsqueeze(1);   // [L, N, in]
        int steps = x.size(0), n = x.size(1), layersDirs = numLayers * directions();
        if (steps == 0) throw new IllegalArgumentException(name + ": expected a sequence length larger than 0, got input shape " + Arrays.toString(input.shape()));
        Tensor h = initialState(name, "h0", h0, batched, layersDirs, n, outSize(), x);
        Tensor c = lstm ? initialState(name, "c0", c0, batched, layersDirs, n, hiddenSize, x) : null;
        if (!lstm && c0 != null) throw new IllegalArgumentException(name + ": only an LSTM has a cell state c0");

        List<Tensor> hN = new ArrayList<>(), cN = new ArrayList<>();
        Tensor layerInput = x;
        for (int layer = 0; layer < numLayers; layer++) {
            List<Tensor> perDirection = new ArrayList<>();
            for (int dir = 0; dir < directions(); dir++) {
                String sfx = suffix(layer, dir);
                Tensor xp = layerInput.matmul(params.apply("weight_ih" + sfx).t());   // all steps at once: [L, N, G·hidden]
                if (bias) xp = xp.add(params.apply("bias_ih" + sfx));
                Tensor whhT = params.apply("weight_hh" + sfx).t(), bhh = bias ? params.apply("bias_hh" + sfx) : null;
                Tensor whrT = projSize > 0 ? params.apply("weight_hr" + sfx).t() : null;
                Tensor[] state = {h.select(0, layer * directions() + dir), lstm ? c.select(0, layer * directions() + dir) : null};
                Tensor[] outputs = new Tensor[steps];
                for (int s = 0; s < steps; s++) {
                    int t = dir == 0 ? s : steps - 1 - s;
                    state = cell(xp.select(0, t), state[0], state[1], whhT, bhh, whrT);
                    outputs[t] = state[0];
                }
                perDirection.add(Tensor.stack(List.of(outputs), 0));
                hN.add(state[0]);
                if (lstm) cN.add(state[1]);
            }
            Tensor out = perDirection.size() == 1 ? perDirection.get(0) : Tensor.cat(perDirection, 2);
            if (layer < numLayers - 1 && dropout > 0 && isTraining()) {
                out = out.mul(Tensor.rand(generator, out.shape()).ge(dropout).to(out.device())).mul(1 / (1 - dropout));
            }
            layerInput = out;
        }
        Tensor output = layerInput, hOut = Tensor.stack(hN, 0), cOut = lstm ? Tensor.stack(cN, 0) : null;
        if (!batched) {
            output = output.squeeze(1);
            hOut = hOut.squeeze(1);
            cOut = cOut == null ? null : cOut.squeeze(1);
        } else if (batchFirst) {
            output = output.transpose(0, 1);
        }
        return new Output(output, hOut, cOut);
    }

    /** The given initial state checked against the expected shape (as [D·layers, N, size]), or zeros. */
    private static Tensor initialState(String layer, String what, Tensor given, boolean batched, int layersDirs, int n, int size, Tensor x) {
        int[] expected = batched ? new int[] {layersDirs, n, size} : new int[] {layersDirs, size};
        if (given == null) return Tensor.zeros(x.dtype(), layersDirs, n, size).to(x.device());
        if (!Arrays.equals(given.shape(), expected)) {
            throw new IllegalArgumentException(layer + ": expected " + what + " of shape " + Arrays.toString(expected) + " for input of batch size " + n
                    + ", got " + Arrays.toString(given.shape()));
        }
        return batched ? given : given.unsqueeze(1);
    }

    @Override
    protected String extraRepr() {
        return inputSize + ", " + hiddenSize + (numLayers != 1 ? ", num_layers=" + numLayers : "") + (bias ? "" : ", bias=false")
                + (batchFirst ? ", batch_first=true" : "") + (dropout != 0 ? ", dropout=" + dropout : "")
                + (bidirectional ? ", bidirectional=true" : "") + (projSize != 0 ? ", proj_size=" + projSize : "");
    }
}
