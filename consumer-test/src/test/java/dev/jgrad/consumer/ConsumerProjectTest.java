package dev.jgrad.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new user's project, exactly as README.md's "Use jgrad in your project" describes it: the
 * files and commands the README shows (each fenced block after a {@code <!-- consumer-test: … -->}
 * marker) are written into an empty folder and run, offline, against the artifacts this build
 * installed into the local repository. The program must train to a good test accuracy on the
 * class path, on the module path and as a jlinked image, and print no warning but the JDK's own
 * incubator line.
 *
 * <p>Under {@code mvn verify} nothing is installed, so the test is skipped (it says so); the suite
 * runs {@code mvn install} ({@code ./jgrad test}), and then it always runs.
 */
class ConsumerProjectTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Pattern MARKER = Pattern.compile("<!-- consumer-test: (\\S+) -->\\s*\\n```\\w*\\n(.*?)\\n```", Pattern.DOTALL);
    /** The one line the JDK prints for any incubator module; it cannot be switched off. */
    private static final String INCUBATOR_LINE = "WARNING: Using incubator modules: jdk.incubator.vector";
    private static final Pattern ACCURACY = Pattern.compile("test accuracy (\\d+\\.\\d+)");
    /** The library artifacts a consumer resolves, with the folder of this build that makes each. */
    private static final Map<String, String> LIBRARIES = Map.of("jgrad-kernels", "kernels", "jgrad-tensor", "tensor", "jgrad-autograd",
            "autograd", "jgrad-nn", "nn", "jgrad-cuda", "native", "jgrad-cuda-kernels", "cuda-kernels");

    /** The README's blocks by marker name, in order. */
    static Map<String, String> readmeBlocks() throws IOException {
        Map<String, String> blocks = new LinkedHashMap<>();
        Matcher m = MARKER.matcher(Files.readString(ROOT.resolve("README.md")));
        while (m.find()) blocks.put(m.group(1), m.group(2) + "\n");
        return blocks;
    }

    @Test
    void theReadmeDescribesAWholeProject() throws IOException {
        Map<String, String> blocks = readmeBlocks();
        assertEquals(List.of("pom.xml", "src/main/java/app/Main.java", "src/main/java/module-info.java", "commands"),
                List.copyOf(blocks.keySet()), "README.md's consumer-test blocks");
        String version = System.getProperty("jgrad.version");
        assertTrue(blocks.get("pom.xml").contains("<artifactId>jgrad-bom</artifactId>\n        <version>" + version + "</version>"),
                "README.md's pom.xml must import jgrad-bom at this build's version " + version);
        String gradle = Files.readString(ROOT.resolve("README.md"));
        assertTrue(gradle.contains("platform(\"dev.jgrad:jgrad-bom:" + version + "\")"), "README.md's Gradle block must name version " + version);
    }

    @Test
    void theReadmeProjectTrainsOnTheClassPathTheModulePathAndAsAnImage(@TempDir Path project) throws Exception {
        String version = System.getProperty("jgrad.version");
        Path repo = Path.of(System.getProperty("jgrad.localRepository"));
        List<String> stale = staleArtifacts(repo, version);
        assumeTrue(stale.isEmpty(), "the local repository does not hold this build's artifacts (" + String.join(", ", stale)
                + "); run `mvn install` (./jgrad test does) to run the consumer test");

        Map<String, String> blocks = readmeBlocks();
        for (Map.Entry<String, String> b : blocks.entrySet()) {
            if (b.getKey().equals("commands")) continue;
            Path file = project.resolve(b.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, b.getValue());
        }
        // The README's `mvn` line, offline and in batch mode, against the repository the build installed into.
        Files.createDirectories(project.resolve(".mvn"));
        Files.writeString(project.resolve(".mvn/maven.config"), "-o\n-B\n-Dstyle.color=never\n-Dmaven.repo.local=" + repo + "\n");
        Files.writeString(project.resolve("commands.sh"), "set -euo pipefail\n" + blocks.get("commands"));

        ProcessBuilder pb = new ProcessBuilder("bash", "commands.sh").directory(project.toFile());
        Path jdkBin = Path.of(System.getProperty("java.home"), "bin");
        Path mvnBin = Path.of(System.getProperty("jgrad.mavenHome"), "bin");
        pb.environment().put("PATH", jdkBin + ":" + mvnBin + ":" + System.getenv("PATH"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // Maven 3.8's own Guava makes JDK 25 warn about sun.misc.Unsafe: Maven's line, not the program's
        pb.environment().put("MAVEN_OPTS", "--sun-misc-unsafe-memory-access=allow");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.redirectOutput(project.resolve("stdout.txt").toFile()).redirectError(project.resolve("stderr.txt").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the README's commands did not finish in 5 minutes");
        String out = Files.readString(project.resolve("stdout.txt"), StandardCharsets.UTF_8);
        String err = Files.readString(project.resolve("stderr.txt"), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "the README's commands failed:\n--- stdout\n" + out + "\n--- stderr\n" + err);

        List<Double> accuracies = new ArrayList<>();
        Matcher m = ACCURACY.matcher(out);
        while (m.find()) accuracies.add(Double.parseDouble(m.group(1)));
        assertEquals(3, accuracies.size(), "one accuracy per way of running it (class path, module path, image):\n" + out);
        for (double a : accuracies) assertTrue(a >= 0.95, "test accuracy " + a + " below 0.95:\n" + out);
        assertEquals(1, accuracies.stream().distinct().count(), "the same seed gives the same model every way: " + accuracies);

        // Maven 3.8 writes colour resets ("ESC[0m") to stderr even in batch mode: its bytes, not a message
        List<String> unexpected = err.replaceAll("\u001B\\[[0-9;]*m", "").lines().filter(l -> !l.isBlank() && !l.equals(INCUBATOR_LINE)).toList();
        assertTrue(unexpected.isEmpty(), "printed besides the JDK's incubator line:\n" + String.join("\n", unexpected));

        double imageMb = folderBytes(project.resolve("target/image")) / 1e6;
        System.out.printf("consumer project: accuracy %s; jlinked image %.1f MB; jars %s%n", accuracies.getFirst(), imageMb,
                Files.readString(project.resolve("target/cp.txt")).strip());
        assertTrue(imageMb <= 60, "a CPU-only jlinked application should stay within 60 MB, got " + imageMb + " MB");
    }

    /** The library artifacts whose jar in the local repository is not this build's (missing or different bytes). */
    private static List<String> staleArtifacts(Path repo, String version) throws IOException {
        List<String> stale = new ArrayList<>();
        for (Map.Entry<String, String> e : LIBRARIES.entrySet()) {
            String jar = e.getKey() + "-" + version + ".jar";
            Path installed = repo.resolve("dev/jgrad").resolve(e.getKey()).resolve(version).resolve(jar);
            Path built = ROOT.resolve(e.getValue()).resolve("target").resolve(jar);
            if (!Files.exists(installed) || !Files.exists(built)
                    || !Arrays.equals(Files.readAllBytes(installed), Files.readAllBytes(built))) {
                stale.add(e.getKey());
            }
        }
        stale.sort(null);
        return stale;
    }

    private static long folderBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }
}
