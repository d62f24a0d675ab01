package dev.jgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jgrad.cuda.KernelArgs.KernelSig;
import dev.jgrad.cuda.KernelArgs.Param;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The launch side against the compiled kernels, with no GPU: every kernel the Java code may
 * launch exists in the committed PTX with exactly the declared parameters (kinds and byte sizes),
 * every PTX kernel is declared, and each module has its cubins.
 */
class KernelCatalogTest {
    static final List<String> MODULES = List.of("attention", "conv", "convgemm", "crossentropy", "dropout", "elementwise", "gemm",
            "indexing", "layernorm", "matmul", "optim", "reduce", "softmax");
    static final Pattern ENTRY = Pattern.compile("\\.visible \\.entry (\\w+)\\(([^)]*)\\)");
    static final Pattern PARAM = Pattern.compile("\\.param (?:\\.align (\\d+) )?\\.(\\w+)(?: \\.ptr[^ ]*)? *\\w+?_param_\\d+(?:\\[(\\d+)])?");

    /** name → list of {ptxType, bytes} */
    static Map<String, List<String[]>> ptxEntries(String module) {
        byte[] ptx = KernelModules.read(module + ".ptx");
        assertNotNull(ptx, module + ".ptx is missing from the resources");
        String text = new String(ptx, StandardCharsets.US_ASCII);
        Map<String, List<String[]>> out = new HashMap<>();
        Matcher m = ENTRY.matcher(text);
        while (m.find()) {
            List<String[]> params = new ArrayList<>();
            for (String decl : m.group(2).split(",")) {
                decl = decl.trim();
                if (decl.isEmpty()) continue;
                Matcher p = PARAM.matcher(decl);
                if (!p.find()) fail("cannot parse PTX parameter '" + decl + "' of " + m.group(1));
                String type = p.group(2);
                int bytes = p.group(3) != null ? Integer.parseInt(p.group(3)) : Integer.parseInt(type.substring(1)) / 8;
                params.add(new String[] {type, String.valueOf(bytes)});
            }
            out.put(m.group(1), params);
        }
        return out;
    }

    static boolean compatible(Param kind, String ptxType) {
        return switch (kind) {
            case PTR, I64 -> ptxType.equals("u64") || ptxType.equals("s64") || ptxType.equals("b64");
            case I32 -> ptxType.equals("u32") || ptxType.equals("s32") || ptxType.equals("b32");
            case F32 -> ptxType.equals("f32");
            case F64 -> ptxType.equals("f64");
            case STRUCT -> ptxType.equals("b8");
        };
    }

    @Test
    void everyDeclaredKernelIsInThePtxWithTheDeclaredParameters() {
        Map<String, Map<String, List<String[]>>> ptx = new HashMap<>();
        for (String mod : MODULES) ptx.put(mod, ptxEntries(mod));
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, CudaKernels.Entry> e : CudaKernels.signatures().entrySet()) {
            String name = e.getKey();
            Map<String, List<String[]>> mod = ptx.get(e.getValue().module());
            if (mod == null) {
                problems.add(name + ": unknown module " + e.getValue().module());
                continue;
            }
            List<String[]> params = mod.get(name);
            if (params == null) {
                problems.add(name + ": not in " + e.getValue().module() + ".ptx");
                continue;
            }
            KernelSig sig = e.getValue().sig();
            if (params.size() != sig.params().length) {
                problems.add(name + ": PTX has " + params.size() + " parameters, Java declares " + sig);
                continue;
            }
            for (int i = 0; i < params.size(); i++) {
                String[] p = params.get(i);
                if (!compatible(sig.params()[i], p[0]) || Integer.parseInt(p[1]) != sig.sizes()[i]) {
                    problems.add(name + ": parameter " + i + " is ." + p[0] + " of " + p[1] + " B in PTX, Java declares "
                            + sig.params()[i] + ":" + sig.sizes()[i]);
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void everyPtxKernelIsDeclared() {
        TreeSet<String> undeclared = new TreeSet<>();
        int total = 0;
        for (String mod : MODULES) {
            for (String name : ptxEntries(mod).keySet()) {
                total++;
                CudaKernels.Entry e = CudaKernels.signatures().get(name);
                if (e == null || !e.module().equals(mod)) undeclared.add(mod + "/" + name);
            }
        }
        assertTrue(undeclared.isEmpty(), "kernels in the PTX that Java does not declare: " + undeclared);
        assertEquals(total, CudaKernels.signatures().size());
    }

    @Test
    void everyModuleHasItsCubinsAndTheyAreElfFiles() {
        for (String mod : MODULES) {
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
        KernelSig sig = CudaKernels.signatures().get("unary_exp_f32").sig();
        KernelArgs ok = KernelArgs.fresh().ptr(1).ptr(2).indexer(Indexing.coalesce(new int[] {3}, new int[] {1}, new int[] {1})).i32(3);
        ok.check("unary_exp_f32", sig);
        KernelArgs bad = KernelArgs.fresh().ptr(1).ptr(2).i32(3);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> bad.check("unary_exp_f32", sig));
        assertEquals("kernel unary_exp_f32 takes (PTR:8, PTR:8, STRUCT:100, I32:4) but was given (PTR:8, PTR:8, I32:4)", e.getMessage());
    }

    @Test
    void argumentsArePackedAlignedWithAPointerToEach() {
        KernelArgs a = KernelArgs.fresh().i32(7).ptr(0x1234).f32(1.5f).f64(2.5).ints(1, 2, 3);
        assertEquals(5, a.count());
        java.lang.foreign.MemorySegment ptrs = a.pointerArray();
        java.lang.foreign.MemorySegment p0 = ptrs.getAtIndex(java.lang.foreign.ValueLayout.ADDRESS, 0).reinterpret(4);
        java.lang.foreign.MemorySegment p1 = ptrs.getAtIndex(java.lang.foreign.ValueLayout.ADDRESS, 1).reinterpret(8);
        java.lang.foreign.MemorySegment p3 = ptrs.getAtIndex(java.lang.foreign.ValueLayout.ADDRESS, 3).reinterpret(8);
        java.lang.foreign.MemorySegment p4 = ptrs.getAtIndex(java.lang.foreign.ValueLayout.ADDRESS, 4).reinterpret(12);
        assertEquals(7, p0.get(java.lang.foreign.ValueLayout.JAVA_INT, 0));
        assertEquals(0x1234, p1.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0));
        assertEquals(0, p1.address() % 8);
        assertEquals(2.5, p3.get(java.lang.foreign.ValueLayout.JAVA_DOUBLE, 0));
        assertEquals(3, p4.get(java.lang.foreign.ValueLayout.JAVA_INT, 8));
    }
}
