package dev.jgrad.cuda.bindings;

import static dev.jgrad.cuda.bindings.Ffm.INT;
import static dev.jgrad.cuda.bindings.Ffm.LONG;
import static dev.jgrad.cuda.bindings.Ffm.PTR;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The driver entry point GEMM version 6 needs beyond {@link Driver}'s: encoding TMA tensor maps
 * ({@code cuTensorMapEncodeTiled}, absent from older drivers, so bound as optional). Kept apart
 * from Driver so that the two grow without touching each other; bound lazily from the same
 * {@code libcuda.so.1} (already loaded by then).
 */
public final class DriverExtras {
    static final int TENSOR_MAP_DATA_TYPE_BFLOAT16 = 9;
    static final int TENSOR_MAP_INTERLEAVE_NONE = 0;
    static final int TENSOR_MAP_SWIZZLE_128B = 3;
    static final int TENSOR_MAP_L2_PROMOTION_256B = 3;
    static final int TENSOR_MAP_FLOAT_OOB_FILL_NONE = 0;
    /** sizeof(CUtensorMap): 16 quad words, 64-byte aligned. */
    public static final int TENSOR_MAP_BYTES = 128;

    // CUresult cuTensorMapEncodeTiled(CUtensorMap *tensorMap, CUtensorMapDataType tensorDataType, cuuint32_t tensorRank,
    //     void *globalAddress, const cuuint64_t *globalDim, const cuuint64_t *globalStrides, const cuuint32_t *boxDim,
    //     const cuuint32_t *elementStrides, CUtensorMapInterleave interleave, CUtensorMapSwizzle swizzle,
    //     CUtensorMapL2promotion l2Promotion, CUtensorMapFloatOOBfill oobFill)      (CUDA 12.0+, may be absent)
    private final MethodHandle cuTensorMapEncodeTiled;
    private final Driver driver;

    private static volatile DriverExtras instance;

    private DriverExtras(SymbolLookup lib, Driver driver) {
        this.driver = driver;
        cuTensorMapEncodeTiled = Ffm.bindOptional(lib, FunctionDescriptor.of(INT, PTR, INT, INT, LONG, PTR, PTR, PTR, PTR, INT, INT, INT, INT),
                "cuTensorMapEncodeTiled");
    }

    public static DriverExtras of(Driver driver) {
        DriverExtras d = instance;
        if (d == null) {
            synchronized (DriverExtras.class) {
                if (instance == null) {
                    try {
                        instance = new DriverExtras(LibraryProbe.SYSTEM.load(LibraryProbe.DRIVER), driver);
                    } catch (Exception e) {
                        throw new IllegalStateException("binding " + LibraryProbe.DRIVER + " again failed", e);
                    }
                }
                d = instance;
            }
        }
        return d;
    }

    public boolean hasTensorMaps() {
        return cuTensorMapEncodeTiled != null;
    }

    /**
     * A 2-D tiled tensor map of bf16 elements: {@code rows} rows of {@code cols} elements,
     * {@code ld} elements apart (ld·2 must be a multiple of 16 and the address 16-byte aligned),
     * boxes of boxRows × boxCols, 128-byte swizzle, zero fill outside. Returns the 128 bytes as 32
     * ints (for {@code KernelArgs.ints} of the launchers).
     */
    public int[] tensorMapBf16(long address, long rows, long cols, long ld, int boxRows, int boxCols) {
        if (cuTensorMapEncodeTiled == null) throw new UnsupportedOperationException("this driver has no cuTensorMapEncodeTiled");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment map = a.allocate(TENSOR_MAP_BYTES, 64);
            MemorySegment dims = a.allocate(ValueLayout.JAVA_LONG, 2), strides = a.allocate(ValueLayout.JAVA_LONG, 1);
            MemorySegment box = a.allocate(ValueLayout.JAVA_INT, 2), estr = a.allocate(ValueLayout.JAVA_INT, 2);
            dims.setAtIndex(ValueLayout.JAVA_LONG, 0, cols);       // innermost first
            dims.setAtIndex(ValueLayout.JAVA_LONG, 1, rows);
            strides.setAtIndex(ValueLayout.JAVA_LONG, 0, ld * 2);  // bytes between rows
            box.setAtIndex(ValueLayout.JAVA_INT, 0, boxCols);
            box.setAtIndex(ValueLayout.JAVA_INT, 1, boxRows);
            estr.setAtIndex(ValueLayout.JAVA_INT, 0, 1);
            estr.setAtIndex(ValueLayout.JAVA_INT, 1, 1);
            int rc = (int) cuTensorMapEncodeTiled.invokeExact(map, TENSOR_MAP_DATA_TYPE_BFLOAT16, 2, address, dims, strides, box, estr,
                    TENSOR_MAP_INTERLEAVE_NONE, TENSOR_MAP_SWIZZLE_128B, TENSOR_MAP_L2_PROMOTION_256B, TENSOR_MAP_FLOAT_OOB_FILL_NONE);
            if (rc != Driver.CUDA_SUCCESS) {
                throw driver.error("cuTensorMapEncodeTiled", rc, "bf16 [" + rows + ", " + cols + "] ld " + ld + " box " + boxRows + "x" + boxCols
                        + " at 0x" + Long.toHexString(address));
            }
            int[] words = new int[TENSOR_MAP_BYTES / 4];
            MemorySegment.copy(map, ValueLayout.JAVA_INT, 0, words, 0, words.length);
            return words;
        } catch (Throwable t) {
            throw Ffm.rethrow(t);
        }
    }
}
