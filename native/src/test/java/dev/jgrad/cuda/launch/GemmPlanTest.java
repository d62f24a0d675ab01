package dev.jgrad.cuda.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.cuda.runtime.KernelModules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The GEMM/convolution plumbing that needs no GPU: the dispatch table and switch, the
 * convolution geometry, tile choice and split-K plan, the sm_90a image, and the resource figures
 * the kernel headers quote against the ptxas report.
 */
class GemmPlanTest {
    @AfterEach
    void reset() {
        GemmDispatch.force(GemmDispatch.fromProperty(System.getProperty(GemmDispatch.PROPERTY)));
        GemmDispatch.resetTable();
    }

    @Test
    void shapeClassesRoundEachSizeUpToAPowerOfTwo() {
        assertEquals("f32.b1.m4096.n4096.k4096", GemmDispatch.shapeClass(false, 1, 4096, 4096, 4096));
        assertEquals("tf32.b8.m512.n64.k1024", GemmDispatch.shapeClass(true, 5, 300, 33, 1000));
        assertEquals("f32.b1.m1.n1.k1", GemmDispatch.shapeClass(false, 0, 1, 0, 1));
    }

    @Test
    void theDefaultIsCublasAndTheShippedTableIsEmpty() {
        assertNull(GemmDispatch.fromProperty(null));
        assertTrue(GemmDispatch.load(GemmDispatch.TABLE).isEmpty(), "no GPU measurement backs an entry yet");
        if (GemmDispatch.forced() == null) {
            assertEquals(GemmDispatch.Choice.CUBLAS, GemmDispatch.choose(false, 1, 4096, 4096, 4096));
            assertEquals(GemmDispatch.Choice.CUBLAS, GemmDispatch.choose(true, 7, 33, 65, 129));
        }
    }

    @Test
    void recordedShapeClassesAndTheSwitchChooseVersions() {
        GemmDispatch.force(null);
        String cls = GemmDispatch.shapeClass(false, 1, 4000, 4000, 4000);
        GemmDispatch.record(cls, GemmDispatch.Choice.V4);
        assertEquals(GemmDispatch.Choice.V4, GemmDispatch.choose(false, 1, 4096, 3000, 2049));
        assertEquals(GemmDispatch.Choice.CUBLAS, GemmDispatch.choose(false, 1, 1024, 1024, 1024));
        GemmDispatch.record(GemmDispatch.shapeClass(false, 1, 64, 64, 64), GemmDispatch.Choice.V5);
        assertEquals(GemmDispatch.Choice.CUBLAS, GemmDispatch.choose(false, 1, 64, 64, 64), "v5 is TF32: not without allowTf32");
        GemmDispatch.force(GemmDispatch.Choice.V2);
        assertEquals(GemmDispatch.Choice.V2, GemmDispatch.choose(false, 1, 1024, 1024, 1024));
        GemmDispatch.force(GemmDispatch.Choice.V5);
        assertEquals(GemmDispatch.Choice.V5, GemmDispatch.choose(true, 1, 10, 10, 10));
        assertEquals(GemmDispatch.Choice.CUBLAS, GemmDispatch.choose(false, 1, 10, 10, 10));
        GemmDispatch.force(null);
        GemmDispatch.record(GemmDispatch.shapeClass(GemmKernels.Precision.BF16, 1, 100, 100, 100), GemmDispatch.Choice.V5BF16);
        assertEquals(GemmDispatch.Choice.V5BF16, GemmDispatch.choose(GemmKernels.Precision.BF16, 1, 100, 100, 100));
        GemmDispatch.force(GemmDispatch.Choice.V6);
        assertEquals(GemmDispatch.Choice.CUBLAS, GemmDispatch.choose(GemmKernels.Precision.TF32, 1, 8, 8, 8), "v6 rounds to bf16: not without allowBf16");
        assertEquals(GemmDispatch.Choice.V6, GemmDispatch.choose(GemmKernels.Precision.BF16, 1, 8, 8, 8));
        GemmDispatch.force(GemmDispatch.Choice.V5);
        assertEquals(GemmDispatch.Choice.V5, GemmDispatch.choose(GemmKernels.Precision.BF16, 1, 8, 8, 8), "TF32 is finer than BF16");
        GemmDispatch.force(null);
        assertEquals(GemmDispatch.Choice.V5BF16, GemmDispatch.Choice.parse("v5bf16"));
        assertEquals("bf16.b1.m128.n128.k128", GemmDispatch.shapeClass(GemmKernels.Precision.BF16, 1, 100, 100, 100));
    }

    @Test
    void choicesParseFromThePropertyValues() {
        assertEquals(GemmDispatch.Choice.CUBLAS, GemmDispatch.Choice.parse(" cuBLAS "));
        assertEquals(GemmDispatch.Choice.V3, GemmDispatch.Choice.parse("v3"));
        assertEquals(GemmDispatch.Choice.V5, GemmDispatch.Choice.parse("V5"));
        assertEquals(GemmDispatch.Choice.V6, GemmDispatch.Choice.parse("v6"));   // a choice since float32 products may round to BF16
        assertThrows(IllegalArgumentException.class, () -> GemmDispatch.Choice.parse("v7"));
        assertThrows(IllegalArgumentException.class, () -> GemmDispatch.Choice.parse("v0"));
        assertThrows(IllegalArgumentException.class, () -> GemmDispatch.Choice.parse("fast"));
        assertEquals(GemmKernels.Version.V5_TF32, GemmDispatch.Choice.V5.version);
    }

    @Test
    void versionsKnowTheirNumbersAndKernels() {
        for (GemmKernels.Version v : GemmKernels.Version.values()) {
            assertTrue(CudaKernels.hasKernel(v.kernel), v.kernel);
            assertEquals(v.kernel.charAt(4) - '0', v.number());
        }
        assertEquals(6, GemmKernels.Version.V6_BF16.number());
    }

    @Test
    void convolutionGeometryFollowsTheOutputSizeFormula() {
        ConvKernels.Geometry g = new ConvKernels.Geometry(64, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertEquals(56, g.p());
        assertEquals(56, g.q());
        assertEquals(64L * 56 * 56 * 64 * 64 * 9, g.macs());
        ConvKernels.Geometry s = new ConvKernels.Geometry(2, 6, 11, 9, 9, 3, 2, 2, 1, 1, 2, 2, 2, 3);
        assertEquals((11 + 2 - 2 * 2 - 1) / 2 + 1, s.p());
        assertEquals((9 + 4 - 2 * 1 - 1) / 1 + 1, s.q());
        assertEquals(2, s.cg());
        assertEquals(3, s.kg());
        assertThrows(IllegalArgumentException.class, () -> new ConvKernels.Geometry(1, 6, 5, 5, 9, 3, 3, 1, 1, 0, 0, 1, 1, 4));
        assertThrows(IllegalArgumentException.class, () -> new ConvKernels.Geometry(1, 4, 2, 2, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1));
    }

    @Test
    void narrowLayersGetNarrowTilesAndEveryTileHasAKernel() {
        assertEquals("128x64", ConvKernels.tile("fwd", 64));
        assertEquals("128x128", ConvKernels.tile("fwd", 65));
        assertEquals("128x64", ConvKernels.tile("dgrad", 1));
        assertEquals("64x128", ConvKernels.tile("wgrad", 32));
        assertEquals("128x128", ConvKernels.tile("wgrad", 128));
        for (String pass : ConvKernels.PASSES)
            for (int narrow : new int[] {1, 64, 65, 512})
                for (String prec : List.of("f32", "tf32"))
                    assertTrue(CudaKernels.hasKernel("conv_" + pass + "_" + prec + "_" + ConvKernels.tile(pass, narrow)), pass + " " + narrow);
    }

    @Test
    void backwardWeightSplitsCoverTheReductionInWholeTiles() {
        for (ConvKernels.Geometry g : List.of(new ConvKernels.Geometry(64, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new ConvKernels.Geometry(64, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new ConvKernels.Geometry(64, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1), new ConvKernels.Geometry(1, 3, 5, 5, 2, 3, 3, 1, 1, 0, 0, 1, 1, 1),
                new ConvKernels.Geometry(8, 512, 7, 7, 512, 3, 3, 1, 1, 1, 1, 1, 1, 512))) {
            int[] sp = ConvKernels.wgradSplit(g, 132);
            long npq = (long) g.n() * g.p() * g.q();
            assertEquals(0, sp[1] % 16, "chunk is a multiple of the tile depth: " + g);
            assertTrue((long) sp[0] * sp[1] >= npq && (long) (sp[0] - 1) * sp[1] < npq, "splits cover N·P·Q once: " + g);
            assertTrue((long) sp[0] * g.groups() <= GemmKernels.GRID_YZ, g.toString());
        }
        assertEquals(1, ConvKernels.wgradSplit(new ConvKernels.Geometry(1, 3, 5, 5, 2, 3, 3, 1, 1, 0, 0, 1, 1, 1), 132)[0]);
        assertTrue(ConvKernels.wgradSplit(new ConvKernels.Geometry(64, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1), 132)[0] >= 50);
    }

    @Test
    void theGemmModuleHasAnSm90aCubin() {
        byte[] cubin = KernelModules.read("gemm.sm_90a.cubin");
        assertTrue(cubin != null && cubin.length > 4 && cubin[0] == 0x7f && cubin[1] == 'E', "gemm.sm_90a.cubin");
        assertNull(KernelModules.read("elementwise.sm_90a.cubin"), "only gemm.cu asks for sm_90a");
    }

    /** name → regs from the "## file  arch" section of PTXAS.txt. */
    static Map<String, Integer> ptxasRegs(String file, String arch) throws IOException {
        Map<String, Integer> regs = new HashMap<>();
        boolean in = false;
        for (String line : Files.readAllLines(KernelSourcesTest.SRC.resolve("PTXAS.txt"))) {
            if (line.startsWith("## ")) in = line.equals("## " + file + "  " + arch);
            else if (in && line.contains(" regs=")) {
                String[] f = line.trim().split("\\s+");
                regs.put(f[0], Integer.parseInt(f[1].substring("regs=".length())));
            }
        }
        return regs;
    }

    @Test
    void theKernelHeadersQuoteTheRegisterCountsPtxasReports() throws IOException {
        Pattern quote = Pattern.compile("(\\w+) regs=(\\d+)");
        List<String> wrong = new ArrayList<>();
        for (String file : List.of("gemm.cu", "convgemm.cu")) {
            String text = Files.readString(KernelSourcesTest.SRC.resolve(file));
            String head = text.substring(0, text.indexOf("#include"));
            Map<String, Integer> sm90 = ptxasRegs(file, "sm_90"), sm90a = ptxasRegs(file, "sm_90a");
            Matcher m = quote.matcher(head);
            int quoted = 0;
            while (m.find()) {
                quoted++;
                Integer want = m.group(1).equals("gemm6_bf16") ? sm90a.get(m.group(1)) : sm90.get(m.group(1));
                if (want == null || want != Integer.parseInt(m.group(2))) {
                    wrong.add(file + ": header says " + m.group() + ", PTXAS.txt says " + want);
                }
            }
            assertTrue(quoted >= 6, file + " quotes too few kernels");
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void theBuildScriptAddsSm90aOnlyWhereAHeaderAsks() throws IOException {
        String script = Files.readString(KernelSourcesTest.KERNELS.resolve("build-kernels.sh"));
        assertTrue(script.contains("-gencode=arch=compute_90a,code=sm_90a"));
        assertTrue(Files.readString(KernelSourcesTest.SRC.resolve("gemm.cu")).contains("\n// Build extra: sm_90a\n"));
    }
}
