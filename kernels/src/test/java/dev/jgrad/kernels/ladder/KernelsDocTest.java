package dev.jgrad.kernels.ladder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/kernels.md shows the code that runs: every marked excerpt is in its file, every rung has a section. */
class KernelsDocTest {
    private static final Path ROOT = Path.of("..");
    private static final String MARK = "<!-- code: ";

    @Test
    void excerptsAreTheCodeThatRuns() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/kernels.md"), StandardCharsets.UTF_8);
        String[] parts = doc.split(MARK);
        assertEquals(8, parts.length, "seven marked excerpts, one per rung 1-7");
        for (int i = 1; i < parts.length; i++) {
            String file = parts[i].substring(0, parts[i].indexOf(" -->"));
            String source = Files.readString(ROOT.resolve(file), StandardCharsets.UTF_8);
            String block = parts[i].substring(parts[i].indexOf("```java\n") + 8);
            block = block.substring(0, block.indexOf("```"));
            for (String line : block.split("\n")) {
                assertTrue(line.isBlank() || source.contains(line.strip()), "not in " + file + ": " + line);
            }
        }
    }

    @Test
    void everyRungHasItsSection() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/kernels.md"), StandardCharsets.UTF_8);
        for (SgemmLadder.Rung r : SgemmLadder.rungs()) {
            assertTrue(doc.contains("## Rung " + r.number() + ":"), "a section for rung " + r.number());
        }
    }
}
