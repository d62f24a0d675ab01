package dev.jgrad.nn.data;

import dev.jgrad.tensor.Tensor;
import dev.jgrad.tensor.io.CorruptFileException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Images sorted into one sub-folder per class ({@code root/cat/1.png}, {@code root/dog/7.jpg}):
 * class indices follow the sorted folder names; images (PNG, JPEG, GIF, BMP via
 * {@code javax.imageio}) are decoded on demand to float32 [C, H, W] in [0, 1], resized to a
 * fixed size, with C = 1 (grayscale) or 3 (RGB).
 *
 * <p>A file that cannot be decoded — truncated, corrupt, not an image, or claiming more than
 * {@link #MAX_PIXELS} pixels (checked from its header before any pixel is allocated) — makes
 * {@link #get} throw an {@link UncheckedIOException} whose cause is a {@link CorruptFileException}
 * naming the file and the byte offset where decoding stopped.
 *
 * <p>Decoding needs the JDK's {@code java.desktop} module, which {@code dev.jgrad.nn} only
 * {@code requires static} so that applications without images do not carry it (a jlinked
 * runtime without it is about half the size). On the class path it is there; on the module path
 * add {@code requires java.desktop;} to your module-info (or {@code --add-modules java.desktop},
 * or jlink it in). Without it the constructor says so.
 *
 * <pre>{@code
 * ImageFolder ds = new ImageFolder(Path.of("pets"), 64, 64, false);
 * ds.classes();   // [cat, dog]
 * }</pre>
 */
public final class ImageFolder implements Dataset {
    /** The most pixels a decoded image may have (2^26, e.g. 8192 × 8192); larger headers are refused unread. */
    public static final long MAX_PIXELS = 1L << 26;

    /**
     * Pixels one byte of a file can at most encode: deflate expands at most ~1032:1, and a 1-bit
     * PNG packs 8 pixels per byte (8256); JPEG, GIF and BMP compress less. A header claiming more
     * than this (plus 2^20 pixels of slack) is corrupt, and refused before the decoder allocates.
     */
    private static final long MAX_PIXELS_PER_BYTE = 16384;

    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".gif", ".bmp");

    private final List<String> classes = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();
    private final List<Integer> labels = new ArrayList<>();
    private final int height, width;
    private final boolean grayscale;

    /**
     * Lists the images under {@code root}; each is resized to height × width when loaded.
     *
     * @param root      the folder whose subfolders are the classes
     * @param height    the height images are resized to
     * @param width     the width images are resized to
     * @param grayscale load one luma channel rather than three RGB channels
     * @throws java.io.IOException when the folder cannot be listed
     */
    public ImageFolder(Path root, int height, int width, boolean grayscale) throws IOException {
        requireImageIo();
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

    /** Fails with what to add when {@code java.desktop} (javax.imageio) is not resolved or not readable. */
    private static void requireImageIo() {
        Module self = ImageFolder.class.getModule();
        if (!self.isNamed()) {
            if (ModuleLayer.boot().findModule("java.desktop").isPresent()) return;
        } else {
            ModuleLayer layer = self.getLayer() != null ? self.getLayer() : ModuleLayer.boot();
            var desktop = layer.findModule("java.desktop");
            if (desktop.isPresent() && self.canRead(desktop.get())) return;
        }
        throw new IllegalStateException("ImageFolder decodes images with javax.imageio, from the JDK module java.desktop, which is not"
                + " resolved in this JVM: add `requires java.desktop;` to your module-info, or start java with --add-modules java.desktop"
                + " (a jlinked runtime needs --add-modules java.desktop when it is linked)");
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    /**
     * Class names, index = label.
     *
     * @return the class names
     */
    public List<String> classes() {
        return List.copyOf(classes);
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public Example get(int index) {
        if (index < 0 || index >= files.size()) {
            throw new IndexOutOfBoundsException("ImageFolder.get: index " + index + " is outside [0, " + files.size() + ")");
        }
        Path f = files.get(index);
        BufferedImage img;
        try {
            img = decode(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        return new Example(toTensor(resize(img)), Tensor.scalar(labels.get(index), dev.jgrad.tensor.DType.INT64));
    }

    /**
     * Decodes the first image of {@code f}, reading its size from the header first so that a
     * corrupt or hostile header cannot make the decoder allocate gigabytes; any failure of the
     * decoder (javax.imageio readers throw IIOException, EOFException, and on corrupt input
     * also unchecked exceptions) becomes a CorruptFileException at the stream position.
     */
    static BufferedImage decode(Path f) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(f.toFile())) {
            if (in == null) throw new IOException(f + ": cannot be opened");
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new CorruptFileException(f, 0, "not a supported image format (PNG, JPEG, GIF or BMP)");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0), bytes = Math.max(in.length(), 0);
                if (w < 1 || h < 1 || w * h > MAX_PIXELS) {
                    throw new CorruptFileException(f, position(in), "the image claims " + w + " x " + h + " pixels; at most "
                            + MAX_PIXELS + " are decoded (ImageFolder.MAX_PIXELS)");
                }
                if (w * h > (1L << 20) + MAX_PIXELS_PER_BYTE * bytes) {
                    throw new CorruptFileException(f, position(in), "the image claims " + w + " x " + h + " pixels, more than a "
                            + bytes + "-byte file can encode (corrupt header?)");
                }
                BufferedImage img = reader.read(0);
                if (img == null) throw new CorruptFileException(f, position(in), "the decoder returned no image");
                return img;
            } catch (CorruptFileException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                CorruptFileException c = new CorruptFileException(f, position(in), "cannot be decoded as an image: " + e);
                c.initCause(e);
                throw c;
            } finally {
                reader.dispose();
            }
        }
    }

    /** Where the decoder stopped, within the file (a decoder may seek past its end before failing). */
    private static long position(ImageInputStream in) {
        try {
            long length = in.length();
            long at = Math.max(in.getStreamPosition(), 0);
            return length < 0 ? at : Math.min(at, length);
        } catch (IOException e) {
            return 0;
        }
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
