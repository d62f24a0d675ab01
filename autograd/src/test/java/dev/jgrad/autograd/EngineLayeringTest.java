package dev.jgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.autograd.inspect.BackwardStepper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine package does not use the inspect package (inspect builds on the engine, never the
 * other way): no compiled class of {@code dev.jgrad.autograd} names a class of
 * {@code dev.jgrad.autograd.inspect}. A class file names every class it refers to in its
 * constant pool, so reading the bytes is enough.
 */
class EngineLayeringTest {
    private static final String INSPECT = "dev/jgrad/autograd/inspect/";

    @Test
    void engineClassesDoNotReferToInspect() throws IOException, URISyntaxException {
        Map<String, String> engine = classFiles(Engine.class);
        assertTrue(engine.keySet().containsAll(List.of("Engine.class", "BackwardPass.class", "Derivatives.class", "GradCheck.class")),
                engine.keySet()::toString);
        engine.forEach((name, bytes) -> assertFalse(bytes.contains(INSPECT), name + " refers to the inspect package"));
    }

    @Test
    void theCheckSeesReferencesBetweenPackages() throws IOException, URISyntaxException {
        // inspect → engine exists, so reading class files this way does find references
        assertTrue(classFiles(BackwardStepper.class).get("BackwardStepper.class").contains("dev/jgrad/autograd/BackwardPass"));
    }

    /** The class files of {@code type}'s package (not its sub-packages), by file name, each as ISO-8859-1 text. */
    private static Map<String, String> classFiles(Class<?> type) throws IOException, URISyntaxException {
        Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        String dir = type.getPackageName().replace('.', '/');
        if (Files.isDirectory(location)) return read(location.resolve(dir));
        try (FileSystem jar = FileSystems.newFileSystem(location)) {
            return read(jar.getPath(dir));
        }
    }

    private static Map<String, String> read(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(".class")) out.put(name, new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }
}
