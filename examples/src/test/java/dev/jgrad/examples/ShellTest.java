package dev.jgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ./jgrad shell}: the launcher starts the JDK's jshell on this build's classes (through
 * {@code JGRAD_MODULE_PATH}, as {@link LauncherTest} does) and a session typed on its standard
 * input sees jgrad imported, SIMD on in the JVM that runs the snippets, tensors printed as in
 * PyTorch and whole, a backward pass, and a mistake reported without ending the session.
 */
class ShellTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();

    private record Run(int code, String out, String err) {}

    private Path work;

    @BeforeEach
    void createWorkFolder() throws IOException {
        work = Files.createTempDirectory("jgrad-shell");
    }

    @AfterEach
    void deleteWorkFolder() throws IOException {
        try (Stream<Path> files = Files.walk(work)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** Runs {@code ./jgrad shell ARGS} in the work folder with {@code input} on its standard input. */
    private Run shell(String input, String... args) throws IOException, InterruptedException {
        Path launcher = ROOT.resolve("jgrad");
        Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
        assumeTrue(Files.isRegularFile(launcher) && Files.isExecutable(Path.of("/bin/bash")), "needs bash and the launcher");
        assumeTrue(Files.isExecutable(jshell), "needs the JDK's jshell");
        List<String> command = new ArrayList<>(List.of("/bin/bash", launcher.toString(), "shell"));
        // jshell keeps its history in the user's preferences: a test leaves them alone
        command.add("-J-Djava.util.prefs.userRoot=" + work.resolve("prefs"));
        command.addAll(List.of(args));
        Path in = work.resolve("input.jsh"), out = work.resolve("out.txt"), err = work.resolve("err.txt");
        Files.writeString(in, input, StandardCharsets.UTF_8);
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile())
                .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("JGRAD_MODULE_PATH", LauncherTest.modulePath());
        pb.environment().remove("JGRAD_JAVA_HOME");
        pb.environment().remove("JGRAD_JVM_OPTS");
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("the shell did not finish; its output:\n" + Files.readString(out) + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void aSessionPrintsTensorsAsPyTorchRunsBackwardAndSurvivesAMistake() throws Exception {
        String session = """
                var x = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true)
                x.mul(2)
                var loss = x.mul(x).sum()
                loss.backward()
                var g = x.grad()
                var simd = dev.jgrad.kernels.Simd.enabled()
                var big = Tensor.arange(200).reshape(20, 10).to(DType.FLOAT32).div(7)
                var w = Tensor.scalar(1).requiresGrad(true).name("w")
                var stepper = new BackwardStepper(w.mul(3).sub(5).square())
                var step = stepper.next().toString().isEmpty()
                Module model = new Sequential(new Linear(4, 8), Activation.relu(), new Linear(8, 1))
                var opt = new SGD(model.parameters(), 0.1)
                var dir = System.getProperty("user.dir")
                Tensor.ones(2, 3).matmul(Tensor.ones(2, 3))
                var after = Tensor.ones(2).sum()
                help()
                /reset
                var again = Tensor.ones(2)
                /exit
                """;
        Run r = shell(session);
        String what = "stdout:\n" + r.out + "\nstderr:\n" + r.err;
        assertEquals(0, r.code, what);
        assertTrue(r.out.startsWith("jgrad "), "the greeting comes first: " + what);
        assertTrue(r.out.contains("SIMD on. help() shows what to try; /exit leaves."), what);
        assertTrue(r.out.contains(" ==> tensor([2., 4., 6.], grad_fn=<MulBackward0>)"), what);
        assertTrue(r.out.contains("loss ==> tensor(14., grad_fn=<SumBackward0>)"), what);
        assertTrue(r.out.contains("g ==> tensor([2., 4., 6.])"), what);
        assertTrue(r.out.contains("simd ==> true"), "SIMD kernels in the JVM that runs the snippets: " + what);
        // longer than jshell's usual 1000-character cut, printed whole
        String big = Tensor.arange(200).reshape(20, 10).to(dev.jgrad.tensor.DType.FLOAT32).div(7).toString();
        assertTrue(big.length() > 1000 && r.out.contains("big ==> " + big), what);
        assertTrue(r.out.contains("step ==> false"), what);
        assertTrue(r.out.contains("model ==> "), what);
        assertTrue(r.out.contains("opt ==> "), what);
        assertTrue(r.out.contains("dir ==> \"" + work.toRealPath() + "\""), "the shell runs in the caller's folder: " + what);
        // a mistake is reported in a line, and the session goes on
        assertTrue(r.out.contains("Exception java.lang.IllegalArgumentException: matmul"), what);
        assertTrue(r.out.contains("after ==> tensor(2.)"), what);
        assertTrue(r.out.contains("Tensors (they print as in PyTorch):"), what);
        // /reset runs the start-up again, greeting and all, without complaint
        assertEquals(2, r.out.lines().filter(l -> l.contains("SIMD on. help() shows what to try")).count(), what);
        assertTrue(r.out.contains("again ==> tensor([1., 1.])") && !r.out.contains("already exists"), what);
        assertEquals(1, r.out.lines().filter(l -> l.contains("|  Exception ")).count(), "the mistake's exception only: " + what);
        assertFalse(r.err.contains("Exception"), what);
        for (String bad : List.of("Error", "cannot be used until", "WARNING")) {
            assertFalse(r.out.contains(bad) || r.err.contains(bad), bad + ": " + what);
        }
    }

    @Test
    void helpPrintsTheUsage() throws Exception {
        Run r = shell("", "--help");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.startsWith("usage: ./jgrad shell"), r.out);
        assertEquals("", r.err);
    }
}
