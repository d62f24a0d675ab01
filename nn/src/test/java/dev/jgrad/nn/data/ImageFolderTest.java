package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.tensor.DType;
import dev.jgrad.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ImageFolder on PNGs written into a temporary class tree. */
class ImageFolderTest {
    @TempDir
    Path root;

    private static void png(Path file, int w, int h, int... rgb) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < w * h; i++) img.setRGB(i % w, i / w, rgb.length == 1 ? rgb[0] : rgb[i]);
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(img, "png", file.toFile())) throw new IOException("no PNG writer");
    }

    @BeforeEach
    void tree() throws IOException {
        png(root.resolve("cat/a.png"), 2, 2, 0xFF0000, 0x00FF00, 0x0000FF, 0xFFFFFF);   // red green / blue white
        png(root.resolve("cat/b.PNG"), 2, 2, 0x000000);
        png(root.resolve("dog/c.png"), 4, 4, 0x808080);
        Files.writeString(root.resolve("dog/notes.txt"), "not an image");
        Files.writeString(root.resolve("README"), "a file next to the class folders");
    }

    @Test
    void classesLabelsAndRgbValues() throws IOException {
        ImageFolder ds = new ImageFolder(root, 2, 2, false);
        assertEquals(List.of("cat", "dog"), ds.classes());
        assertEquals(3, ds.size());
        long[] labels = new long[3];
        for (int i = 0; i < 3; i++) labels[i] = ds.get(i).target().itemLong();
        assertArrayEquals(new long[] {0, 0, 1}, labels);
        Example a = ds.get(0);
        assertEquals(DType.FLOAT32, a.input().dtype());
        assertEquals(DType.INT64, a.target().dtype());
        assertEquals(0, a.target().dim());
        assertArrayEquals(new int[] {3, 2, 2}, a.input().shape());
        assertArrayEquals(new float[] {1, 0, 0, 1, /* G */ 0, 1, 0, 1, /* B */ 0, 0, 1, 1}, a.input().toFloatArray());
        assertArrayEquals(new float[12], ds.get(1).input().toFloatArray());
        Tensor gray = ds.get(2).input();   // 4x4 resized to 2x2: a uniform image stays uniform
        assertArrayEquals(new int[] {3, 2, 2}, gray.shape());
        for (float v : gray.toFloatArray()) assertEquals(128 / 255f, v, 1.5 / 255);
    }

    @Test
    void grayscaleUsesLuma() throws IOException {
        ImageFolder ds = new ImageFolder(root, 2, 2, true);
        Tensor a = ds.get(0).input();
        assertArrayEquals(new int[] {1, 2, 2}, a.shape());
        assertArrayEquals(new float[] {0.299f, 0.587f, 0.114f, 1f}, a.toFloatArray(), 1e-6f);
    }

    @Test
    void loaderStacksImages() throws IOException {
        DataLoader loader = new DataLoader(new ImageFolder(root, 3, 5, false), 2, false, 0);
        List<Batch> batches = new java.util.ArrayList<>();
        loader.forEach(batches::add);
        assertEquals(2, batches.size());
        assertArrayEquals(new int[] {2, 3, 3, 5}, batches.get(0).inputs().shape());
        assertArrayEquals(new long[] {0, 0}, batches.get(0).targets().toLongArray());
        assertArrayEquals(new long[] {1}, batches.get(1).targets().toLongArray());
    }

    @Test
    void errorsNameThePath() throws IOException {
        Path bare = Files.createDirectory(root.resolve("bare"));
        Files.writeString(bare.resolve("x.png"), "loose file, no class folder");
        IOException none = assertThrows(IOException.class, () -> new ImageFolder(bare, 2, 2, false));
        assertTrue(none.getMessage().contains(bare.toString()) && none.getMessage().contains("no class folders"), none.getMessage());

        Path noImages = root.resolve("noimg");
        Files.createDirectories(noImages.resolve("a"));
        Files.writeString(noImages.resolve("a/readme.md"), "text");
        IOException empty = assertThrows(IOException.class, () -> new ImageFolder(noImages, 2, 2, false));
        assertTrue(empty.getMessage().contains("hold no images"), empty.getMessage());

        Path broken = root.resolve("broken");
        Files.createDirectories(broken.resolve("x"));
        Path bad = broken.resolve("x/bad.png");
        Files.writeString(bad, "these bytes are not a PNG");
        ImageFolder ds = new ImageFolder(broken, 2, 2, false);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> ds.get(0));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());

        assertThrows(IllegalArgumentException.class, () -> new ImageFolder(root, 0, 2, false));
    }

    // ---- corrupt and hostile image files (found by ParserFuzzTest) ---------------------------------

    private static dev.jgrad.tensor.io.CorruptFileException corrupt(ImageFolder ds, Path file, String... fragments) {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> ds.get(0));
        dev.jgrad.tensor.io.CorruptFileException c = (dev.jgrad.tensor.io.CorruptFileException) e.getCause();
        assertEquals(file, c.file());
        assertTrue(c.offset() >= 0 && c.offset() <= file.toFile().length(), "offset " + c.offset());
        for (String f : fragments) assertTrue(c.getMessage().contains(f), c.getMessage());
        return c;
    }

    @Test
    void aHeaderClaimingHugeDimensionsIsRefusedBeforeDecoding() throws IOException {
        Path f = root.resolve("huge/x/big.png");
        png(f, 2, 2, 0x123456);
        byte[] b = Files.readAllBytes(f);
        java.nio.ByteBuffer.wrap(b).putInt(16, 1 << 20).putInt(20, 1 << 20);   // IHDR width and height: 2^40 pixels
        Files.write(f, b);
        corrupt(new ImageFolder(root.resolve("huge"), 2, 2, false), f, "claims 1048576 x 1048576 pixels", "MAX_PIXELS");
        java.nio.ByteBuffer.wrap(b).putInt(16, 4000).putInt(20, 4000);   // 16 M pixels from a ~70-byte file
        Files.write(f, b);
        corrupt(new ImageFolder(root.resolve("huge"), 2, 2, false), f, "claims 4000 x 4000 pixels, more than a", "can encode");
    }

    @Test
    void truncatedAndGarbledImagesAreCorruptFiles() throws IOException {
        Path f = root.resolve("cut/x/cut.png");
        png(f, 8, 8, 0x00FF00);
        byte[] b = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(b, 40));
        corrupt(new ImageFolder(root.resolve("cut"), 2, 2, false), f, "cannot be decoded as an image");
        Files.write(f, "GIF89a-but-not-really".getBytes(StandardCharsets.US_ASCII));
        corrupt(new ImageFolder(root.resolve("cut"), 2, 2, false), f);
        assertThrows(IndexOutOfBoundsException.class, () -> new ImageFolder(root, 2, 2, false).get(3));
    }
}
