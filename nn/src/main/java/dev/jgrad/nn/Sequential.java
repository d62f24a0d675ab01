package dev.jgrad.nn;

import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Modules applied one after another; children are named "0", "1", … as in PyTorch.
 *
 * <pre>{@code
 * Sequential mlp = new Sequential(new Linear(784, 128), Activation.relu(), new Linear(128, 10));
 * System.out.println(mlp.summary(1, 784));
 * }</pre>
 */
public final class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();

    /**
     * The layers, applied in order.
     *
     * @param layers the layers
     */
    public Sequential(Module... layers) {
        Args.notNull("Sequential", "the layers", layers);
        for (Module m : layers) add(m);
    }

    /**
     * Appends a layer; returns this.
     *
     * @param layer the layer
     * @return this container
     */
    public Sequential add(Module layer) {
        Args.notNull("Sequential.add", "layer " + this.layers.size(), layer);
        registerModule(Integer.toString(layers.size()), layer);
        layers.add(layer);
        return this;
    }

    /**
     * {@return the layer at {@code index}}
     *
     * @param index the layer's position, from 0
     */
    public Module get(int index) {
        return layers.get(index);
    }

    /** {@return number of layers} */
    public int size() {
        return layers.size();
    }

    @Override
    public Tensor forward(Tensor x) {
        Args.input(this, x);
        for (Module m : layers) x = m.call(x);
        return x;
    }

    /**
     * A Keras-style table: each layer, its output shape for an input of {@code inputShape}
     * (computed by running zeros through the model without recording a graph) and its
     * parameter count, then the totals.
     *
     * @param inputShape the shape of one input, batch included
     * @return the table
     */
    public String summary(int... inputShape) {
        StringBuilder sb = new StringBuilder();
        String rule = "-".repeat(72) + "\n";
        sb.append(String.format("%-36s %-22s %12s%n", "Layer", "Output shape", "Params")).append(rule);
        try (var _ = GradMode.noGrad()) {
            Tensor x = Tensor.zeros(inputShape).to(parameters().isEmpty() ? dev.jgrad.tensor.Device.CPU : parameters().get(0).device());
            boolean wasTraining = isTraining();
            eval();
            for (int i = 0; i < layers.size(); i++) {
                x = layers.get(i).call(x);
                String name = "(" + i + ") " + layers.get(i).toString().lines().findFirst().orElse("");
                if (name.length() > 36) name = name.substring(0, 33) + "...";
                sb.append(String.format("%-36s %-22s %12d%n", name, Arrays.toString(x.shape()), layers.get(i).parameterCount()));
            }
            train(wasTraining);
        }
        return sb.append(rule).append(String.format("Total parameters: %,d%n", parameterCount())).toString();
    }
}
