package dev.jgrad.nn.data;

import dev.jgrad.tensor.Tensor;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Images sorted into one sub-folder per class ({@code root/cat/1.png}, {@code root/dog/7.jpg}):
 * class indices follow the sorted folder names; images (PNG, JPEG, GIF, BMP via
 * {@code javax.imageio}) are decoded on demand to float32 [C, H, W] in [0, 1], resized to a
 * fixed size, with C = 1 (grayscale) or 3 (RGB).
 *
 * <pre>{@code
 * ImageFolder ds = new ImageFolder(Path.of("pets"), 64, 64, false);
 * ds.classes();   // [cat, dog]
 * }</pre>
 */
public final class ImageFolder implements Dataset {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".gif", ".bmp");

    private final List<String> classes = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();
    private final List<Integer> labels = new ArrayList<>();
    private final int height, width;
    private final boolean grayscale;

    /** Lists the images under {@code root}; each is resized to height × width when loaded. */
    public ImageFolder(Path root, int height, int width, boolean grayscale) throws IOException {
        if (height < 1 || width < 1) throw new IllegalArgumentException("ImageFolder: size must be positive, got " + height + "x" + width);
        this.height = height;
        this.width = width;
        this.grayscale = grayscale;
        List<Path> dirs;
        try (Stream<Path> s = Files.list(root)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        if (dirs.isEmpty()) throw new IOException(root + ": no class folders (expected root/<class>/<image files>)");
        for (Path dir : dirs) {
            int label = classes.size();
            classes.add(dir.getFileName().toString());
            try (Stream<Path> s = Files.list(dir)) {
                for (Path f : s.filter(ImageFolder::isImage).sorted().toList()) {
                    files.add(f);
                    labels.add(label);
                }
            }
        }
        if (files.isEmpty()) throw new IOException(root + ": the class folders hold no images (" + EXTENSIONS + ")");
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    /** Class names, index = label. */
    public List<String> classes() {
        return List.copyOf(classes);
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public Example get(int index) {
        Path f = files.get(index);
        BufferedImage img;
        try {
            img = ImageIO.read(f.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": cannot be decoded as an image: " + e.getMessage(), e);
        }
        if (img == null) throw new UncheckedIOException(new IOException(f + ": not a supported image format"));
        return new Example(toTensor(resize(img)), Tensor.scalar(labels.get(index), dev.jgrad.tensor.DType.INT64));
    }

    private BufferedImage resize(BufferedImage img) {
        if (img.getWidth() == width && img.getHeight() == height && img.getType() == BufferedImage.TYPE_INT_RGB) return img;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, width, height, null);
        g.dispose();
        return out;
    }

    private Tensor toTensor(BufferedImage img) {
        int channels = grayscale ? 1 : 3, plane = height * width;
        float[] v = new float[channels * plane];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = img.getRGB(x, y);
                float r = ((rgb >> 16) & 0xFF) / 255f, gr = ((rgb >> 8) & 0xFF) / 255f, b = (rgb & 0xFF) / 255f;
                int at = y * width + x;
                if (grayscale) {
                    v[at] = 0.299f * r + 0.587f * gr + 0.114f * b;   // ITU-R BT.601 luma
                } else {
                    v[at] = r;
                    v[plane + at] = gr;
                    v[2 * plane + at] = b;
                }
            }
        }
        return Tensor.of(v, channels, height, width);
    }
}
