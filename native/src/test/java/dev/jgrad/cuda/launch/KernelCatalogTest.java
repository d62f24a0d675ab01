package dev.jgrad.cuda.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.cuda.ScalarType;
import dev.jgrad.cuda.bindings.DriverExtras;
import dev.jgrad.cuda.launch.KernelArgs.KernelSig;
import dev.jgrad.cuda.launch.KernelArgs.Param;
import dev.jgrad.cuda.runtime.KernelModules;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The kernel catalog read from the committed PTX, with no GPU: every module parses, every entry
 * has a signature of known kinds, the launches' argument check, the structs Java packs against
 * the PTX's sizes, and the images each device loads.
 */
class KernelCatalogTest {
    static final Pattern ENTRY = Pattern.compile("\\.visible \\.entry (\\w+)\\(");

    @Test
    void everyModuleParsesAndEveryPtxEntryIsInTheCatalog() {
        int total = 0;
        for (String mod : KernelCatalog.modules()) {
            byte[] ptx = KernelModules.read(mod + ".ptx");
            assertNotNull(ptx, mod + ".ptx is missing from the resources");
            String text = new String(ptx, StandardCharsets.US_ASCII);
            List<String> names = ENTRY.matcher(text).results().map(m -> m.group(1)).toList();
            assertFalse(names.isEmpty(), mod + ".ptx has no kernels");
            assertEquals(names, List.copyOf(KernelCatalog.parse(mod, ptx).keySet()), mod);
            for (String name : names) assertEquals(mod, KernelCatalog.get(name).module(), name);
            total += names.size();
        }
        assertEquals(total, KernelCatalog.all().size(), "a kernel name is defined in two modules");
    }

    @Test
    void everyEntryHasASignatureOfKnownKinds() {
        List<String> problems = new ArrayList<>();
        for (KernelCatalog.Kernel k : KernelCatalog.all().values()) {
            KernelSig sig = k.signature();
            assertTrue(sig.count() > 0, k.name());
            for (int i = 0; i < sig.count(); i++) {
                Param p = sig.params()[i];
                int bytes = sig.sizes()[i];
                boolean ok = switch (p) {
                    case B64, F64 -> bytes == 8;
                    case I32, F32 -> bytes == 4;
                    case STRUCT -> bytes > 0;
                    case PTR, I64 -> false;   // argument kinds: the PTX never declares them
                };
                if (!ok) problems.add(k.name() + " parameter " + i + ": " + p + ":" + bytes);
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void signaturesAreReadFromTheCompiledDeclarations() {
        // elementwise.cu: unary_<fn>_<t>(O* out, const I* x, Indexer<2> ix, int n)
        assertEquals("(B64:8, B64:8, STRUCT:" + Indexing.structBytes(2) + ", I32:4)", KernelCatalog.get("unary_exp_f32").signature().toString());
        // crossentropy.cu: the forward/backward pair
        assertEquals("(B64:8, B64:8, B64:8, B64:8, I32:4, I32:4, B64:8, B64:8)", KernelCatalog.get("cross_entropy_fwd_f32").signature().toString());
        assertEquals("(B64:8, B64:8, B64:8, B64:8, B64:8, I32:4, I32:4, I32:4, B64:8)",
                KernelCatalog.get("cross_entropy_bwd_f64").signature().toString());
        // dropout.cu: the scale in the element type
        assertEquals("(B64:8, B64:8, B64:8, I32:4, F32:4, F64:8, B64:8, B64:8)", KernelCatalog.get("dropout_fwd_f64").signature().toString());
        assertEquals("(B64:8, B64:8, B64:8, I32:4, F32:4)", KernelCatalog.get("dropout_bwd_f32").signature().toString());
        assertEquals("crossentropy", KernelCatalog.get("cross_entropy_fwd_f32").module());
        assertTrue(CudaKernels.hasKernel("binary_add_i64"));
        assertFalse(CudaKernels.hasKernel("philox_raw"));
        assertFalse(CudaKernels.hasKernel("cross_entropy_f32"));
        assertFalse(CudaKernels.hasKernel("unary_exp_i32"));
    }

    @Test
    void aMissingKernelIsAnErrorNamingItAndTheModules() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> KernelCatalog.get("unary_exp_i8"));
        assertTrue(e.getMessage().startsWith("no CUDA kernel named 'unary_exp_i8' in jgrad's compiled modules [attention, conv, "),
                e.getMessage());
    }

    @Test
    void theParserReadsEveryParameterFormAndRefusesUnknownOnes() {
        String ptx = """
                .visible .entry k(
                \t.param .u64 .ptr .global .align 4 k_param_0,
                \t.param .s64 k_param_1,
                \t.param .b32 k_param_2,
                \t.param .f64 k_param_3,
                \t.param .align 8 .b8 k_param_4[24]
                )
                .visible .entry none()
                """;
        Map<String, KernelSig> m = KernelCatalog.parse("test", ptx.getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of("k", "none"), List.copyOf(m.keySet()));
        assertArrayEquals(new Param[] {Param.B64, Param.B64, Param.I32, Param.F64, Param.STRUCT}, m.get("k").params());
        assertArrayEquals(new int[] {8, 8, 4, 8, 24}, m.get("k").sizes());
        assertEquals(0, m.get("none").count());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KernelCatalog.parse("test", ".visible .entry h(\n.param .b16 h_param_0\n)".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(e.getMessage().startsWith("test.ptx: kernel 'h' has a parameter of a kind jgrad cannot pass: '.param .b16 h_param_0'"),
                e.getMessage());
    }

    @Test
    void theStructsJavaPacksHaveThePtxSizes() {
        assertEquals(Indexing.structBytes(3), KernelCatalog.get("binary_add_f32").signature().sizes()[3]);
        assertEquals(Indexing.structBytes(4), KernelCatalog.get("where_f32").signature().sizes()[4]);
        assertEquals(4 * GemmKernels.shape(1, 1, 1, 1, 1, 1, 1, 0, 0, 0).length, KernelCatalog.get("gemm4_f32").signature().sizes()[3]);
        assertEquals(DriverExtras.TENSOR_MAP_BYTES, KernelCatalog.get("gemm6_bf16").signature().sizes()[1]);
        var g = new ConvKernels.Geometry(1, 4, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertEquals(4 * ConvKernels.params(g, 1, 0).length, KernelCatalog.get("conv_fwd_f32_128x128").signature().sizes()[3]);
        assertEquals(4 * 14, KernelCatalog.get("im2col_f32").signature().sizes()[2]);       // ConvGeom: 14 ints
        assertEquals(4 * 9, KernelCatalog.get("matmul_f32").signature().sizes()[7]);        // MatStrides: 9 ints
    }

    @Test
    void everyModuleHasItsCubinsAndTheyAreElfFiles() {
        for (String mod : KernelCatalog.modules()) {
            for (String arch : List.of("sm_80", "sm_90")) {
                byte[] cubin = KernelModules.read(mod + "." + arch + ".cubin");
                assertNotNull(cubin, mod + "." + arch + ".cubin is missing");
                assertTrue(cubin.length > 4 && cubin[0] == 0x7f && cubin[1] == 'E' && cubin[2] == 'L' && cubin[3] == 'F', mod + "." + arch);
            }
        }
    }

    @Test
    void imagesAreChosenByComputeCapability() {
        assertEquals(List.of("sm_90a.cubin", "sm_90.cubin", "ptx"), KernelModules.imageOrder(9, 0));
        assertEquals(List.of("sm_80.cubin", "ptx"), KernelModules.imageOrder(8, 0));
        assertEquals(List.of("sm_80.cubin", "ptx"), KernelModules.imageOrder(8, 6));
        assertEquals(List.of("sm_80.cubin", "ptx"), KernelModules.imageOrder(8, 9));
        assertEquals(List.of("ptx"), KernelModules.imageOrder(10, 0));
        assertEquals(List.of("ptx"), KernelModules.imageOrder(12, 0));
        assertEquals(List.of(), KernelModules.imageOrder(7, 5));
    }

    @Test
    void launchesRefuseArgumentsThatDoNotMatchTheSignature() {
        KernelSig sig = KernelCatalog.get("unary_exp_f32").signature();
        KernelArgs ok = KernelArgs.fresh().ptr(1).ptr(2).indexer(Indexing.coalesce(new int[] {3}, new int[] {1}, new int[] {1})).i32(3);
        ok.check("unary_exp_f32", sig);
        KernelArgs bad = KernelArgs.fresh().ptr(1).ptr(2).i32(3);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> bad.check("unary_exp_f32", sig));
        assertEquals("kernel unary_exp_f32 takes (B64:8, B64:8, STRUCT:100, I32:4) but was given (PTR:8, PTR:8, I32:4)", e.getMessage());
        // a 64-bit PTX parameter takes a pointer or a long long, nothing else of 8 bytes
        KernelSig ce = KernelCatalog.get("cross_entropy_fwd_f32").signature();
        KernelArgs.fresh().ptr(1).ptr(2).ptr(3).ptr(4).i32(5).i32(6).i64(-100).ptr(7).check("cross_entropy_fwd_f32", ce);
        KernelArgs f64 = KernelArgs.fresh().ptr(1).ptr(2).ptr(3).ptr(4).i32(5).i32(6).f64(-100).ptr(7);
        assertThrows(IllegalStateException.class, () -> f64.check("cross_entropy_fwd_f32", ce));
        // the scalar of a kernel's element type
        KernelSig dropout = KernelCatalog.get("dropout_bwd_f32").signature();
        KernelArgs.fresh().ptr(1).ptr(2).ptr(3).i32(4).scalar(ScalarType.F32, 2.0).check("dropout_bwd_f32", dropout);
        KernelArgs wrongType = KernelArgs.fresh().ptr(1).ptr(2).ptr(3).i32(4).scalar(ScalarType.F64, 2.0);
        assertThrows(IllegalStateException.class, () -> wrongType.check("dropout_bwd_f32", dropout));
    }

    @Test
    void theScanAndSortLaunchersPassWhatTheirKernelsTake() {
        // the argument lists CudaKernels.scan and CudaKernels.sortRows build, checked without a GPU
        for (String t : List.of("f32", "f64", "i64")) {
            for (String op : List.of("sum", "prod")) {
                KernelArgs.fresh().ptr(1).ptr(2).i32(3).i32(4).check("scan_rows_" + op + "_" + t, KernelCatalog.get("scan_rows_" + op + "_" + t).signature());
                KernelArgs.fresh().ptr(1).ptr(2).i32(3).i32(4).i32(5).check("scan_cols_" + op + "_" + t,
                        KernelCatalog.get("scan_cols_" + op + "_" + t).signature());
            }
            KernelArgs.fresh().ptr(1).ptr(2).ptr(3).i32(4).i32(8).i32(0).check("sort_rows_smem_" + t,
                    KernelCatalog.get("sort_rows_smem_" + t).signature());
            KernelArgs.fresh().ptr(1).ptr(2).ptr(3).i32(5000).i32(8192).i32(1).ptr(4).ptr(5).check("sort_rows_global_" + t,
                    KernelCatalog.get("sort_rows_global_" + t).signature());
        }
    }

    @Test
    void argumentsArePackedAlignedWithAPointerToEach() {
        KernelArgs a = KernelArgs.fresh().i32(7).ptr(0x1234).f32(1.5f).f64(2.5).ints(1, 2, 3);
        assertEquals(5, a.count());
        MemorySegment ptrs = a.pointerArray();
        MemorySegment p0 = ptrs.getAtIndex(ValueLayout.ADDRESS, 0).reinterpret(4);
        MemorySegment p1 = ptrs.getAtIndex(ValueLayout.ADDRESS, 1).reinterpret(8);
        MemorySegment p3 = ptrs.getAtIndex(ValueLayout.ADDRESS, 3).reinterpret(8);
        MemorySegment p4 = ptrs.getAtIndex(ValueLayout.ADDRESS, 4).reinterpret(12);
        assertEquals(7, p0.get(ValueLayout.JAVA_INT, 0));
        assertEquals(0x1234, p1.get(ValueLayout.JAVA_LONG, 0));
        assertEquals(0, p1.address() % 8);
        assertEquals(2.5, p3.get(ValueLayout.JAVA_DOUBLE, 0));
        assertEquals(3, p4.get(ValueLayout.JAVA_INT, 8));
    }
}
