package dev.jgrad.examples;

import dev.jgrad.examples.cli.Args;
import dev.jgrad.examples.cli.Options;
import dev.jgrad.examples.cli.UsageException;
import dev.jgrad.nn.Activation;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Losses;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.optim.Adam;
import dev.jgrad.nn.optim.Optimizer;
import dev.jgrad.tensor.Device;
import dev.jgrad.tensor.Generator;
import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A small generative adversarial network on MNIST (Goodfellow et al.): an MLP generator maps
 * noise to 28×28 images in [−1, 1], an MLP discriminator tells them from real digits, each
 * trained with binary cross-entropy on logits and Adam (lr 2e-4, β₁ = 0.5). Writes an 8×8
 * grid of generated digits as a PNG after training.
 *
 * <pre>{@code
 * ./jgrad example gan --epochs 20      // writes out/gan-samples.png
 * }</pre>
 */
public final class Gan {
    private static final int NOISE = 64;

    private Gan() {}

    /** The options of {@code ./jgrad example gan}, each checked before any work. */
    static final Options OPTIONS = MnistData.dataOptions(new Options("""
            A generative adversarial network on MNIST: an MLP generator against an MLP discriminator (Adam, lr 2e-4,
            beta1 0.5). Writes an 8x8 grid of generated digits to OUT/gan-samples.png.""")
            .count("epochs", 20, "training epochs")
            .count("batch", 64, "real images per step (the last partial batch of an epoch is dropped)")
            .device("where to train", "cuda:0 when a GPU is usable, else cpu"))
            .outputFolder("out", "out", "where the sample grid goes")
            .integer("seed", 0, "seed of the weights, the noise and the shuffle");

    public static void main(String[] argv) {
        int code = Main.run(Main.with("example", "gan", argv));
        if (code != 0) System.exit(code);
    }

    /** Trains the pair and writes the sample grid, with checked options (see {@link #OPTIONS}). */
    static void run(Args args) throws java.io.IOException {
        Tensor.manualSeed(args.getInt("seed"));
        MnistData.Split data = MnistData.load(args, false);
        if (args.getInt("batch") > data.train().size()) {
            throw new UsageException("--batch " + args.getInt("batch") + " is more than the " + data.train().size()
                    + " training images, and the GAN drops a partial batch: no step would run");
        }
        Device device = args.has("device") ? Device.parse(args.get("device")) : Device.best();
        Sequential generator = new Sequential(new Linear(NOISE, 256), Activation.leakyRelu(0.2), new Linear(256, 512),
                Activation.leakyRelu(0.2), new Linear(512, 784), Activation.tanh());
        Sequential discriminator = new Sequential(new Linear(784, 512), Activation.leakyRelu(0.2), new Linear(512, 256),
                Activation.leakyRelu(0.2), new Linear(256, 1));
        generator.to(device);
        discriminator.to(device);
        Optimizer optG = new Adam(generator.parameters(), 2e-4, 0.5, 0.999, 1e-8, 0, false);
        Optimizer optD = new Adam(discriminator.parameters(), 2e-4, 0.5, 0.999, 1e-8, 0, false);
        Generator noise = new Generator(args.getInt("seed") + 1);
        DataLoader loader = new DataLoader(data.train(), args.getInt("batch"), true, args.getInt("seed")).dropLast(true);

        int epochs = args.getInt("epochs");
        for (int epoch = 1; epoch <= epochs; epoch++) {
            double lossD = 0, lossG = 0;
            int batches = 0;
            for (Batch b : loader) {
                try (var _ = Tensor.scope()) {   // the step's tensors, on the device too, are freed when it ends
                    int n = b.size();
                    Tensor real = b.inputs().to(device).reshape(n, 784).mul(2).sub(1);     // pixels to [-1, 1]
                    Tensor ones = Tensor.ones(n, 1).to(device), zeros = Tensor.zeros(n, 1).to(device);

                    // discriminator: real digits → 1, generated → 0 (the generator is not updated here)
                    Tensor fake = generator.forward(Tensor.randn(noise, n, NOISE).to(device));
                    Tensor d = Losses.bceWithLogits(discriminator.forward(real), ones)
                            .add(Losses.bceWithLogits(discriminator.forward(fake.detach()), zeros));
                    d.backward();
                    optD.step();
                    optD.zeroGrad();

                    // generator: make the discriminator answer 1 for its images
                    Tensor g = Losses.bceWithLogits(discriminator.forward(fake), ones);
                    g.backward();
                    optG.step();
                    optG.zeroGrad();
                    discriminator.zeroGrad();   // the generator's backward also reached the discriminator

                    lossD += d.item();
                    lossG += g.item();
                    batches++;
                }
            }
            System.out.printf(Locale.ROOT, "epoch %d/%d  discriminator loss %.4f  generator loss %.4f%n",
                    epoch, epochs, lossD / batches, lossG / batches);
        }
        Path out = args.getPath("out").resolve("gan-samples.png");
        writeGrid(generator, device, new Generator(7), out);
        System.out.println("wrote " + out);
    }

    /** 64 generated digits as an 8×8 grid, white on black. */
    static void writeGrid(Sequential generator, Device device, Generator g, Path file) throws java.io.IOException {
        float[] pixels;
        try (var _ = GradMode.noGrad()) {
            generator.eval();
            pixels = generator.forward(Tensor.randn(g, 64, NOISE).to(device)).add(1).div(2).clamp(0, 1).toFloatArray();
        }
        BufferedImage img = new BufferedImage(8 * 28, 8 * 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int k = 0; k < 64; k++) {
            for (int p = 0; p < 784; p++) {
                int v = Math.round(pixels[k * 784 + p] * 255);
                img.getRaster().setSample((k % 8) * 28 + p % 28, (k / 8) * 28 + p / 28, 0, v);
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(img, "png", file.toFile());
    }
}
