package dev.jgrad.dist.nccl;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * NVIDIA's NCCL ({@code libnccl.so.2}) through FFM: the functions jgrad's CUDA communicator
 * calls. Types and reduce ops are C enums, passed as ints ({@link #FLOAT32}, {@link #SUM}, …,
 * the values of {@code nccl.h} since NCCL 2.0, bfloat16 and AVG since 2.10); a communicator
 * ({@code ncclComm_t}), a stream ({@code cudaStream_t}) and device buffers are addresses; the
 * unique id is a {@value #UNIQUE_ID_BYTES}-byte struct, passed by value to
 * {@code ncclCommInitRank}.
 *
 * <p>Every function returns NCCL's {@code ncclResult_t}; the communicator turns a non-zero one
 * into an exception with {@link #errorString}. The calls enqueue work on the stream given and
 * expect the stream's CUDA context to be current on the calling thread.
 *
 * <pre>{@code
 * Nccl nccl = Nccl.load().orElseThrow(() -> new IllegalStateException(Nccl.lastProblem()));
 * System.out.println(Nccl.versionText(nccl.version()));   // "2.21.5"
 * }</pre>
 */
public final class Nccl {
    /** System property: the path of a libnccl to use, tried first. */
    public static final String PATH_PROPERTY = "jgrad.nccl.path";
    /** Environment variable: the path of a libnccl to use, tried after the property. */
    public static final String PATH_ENV = "JGRAD_NCCL_PATH";
    /** The library's name: the loader's search (cache, LD_LIBRARY_PATH, RUNPATH) finds a system install. */
    public static final String LIBRARY = "libnccl.so.2";
    /** Where pip's {@code nvidia-nccl-cu12}/{@code -cu13} wheel (PyTorch's dependency) puts the library, below site-packages. */
    static final String WHEEL_PATH = "nvidia/nccl/lib/" + LIBRARY;

    /** {@code NCCL_UNIQUE_ID_BYTES}. */
    public static final int UNIQUE_ID_BYTES = 128;

    /** {@code ncclDataType_t} values. */
    public static final int INT8 = 0, UINT8 = 1, INT32 = 2, UINT32 = 3, INT64 = 4, UINT64 = 5, FLOAT16 = 6, FLOAT32 = 7, FLOAT64 = 8,
            BFLOAT16 = 9;
    /** {@code ncclRedOp_t} values ({@link #AVG}: NCCL 2.10 and later). */
    public static final int SUM = 0, PROD = 1, MAX = 2, MIN = 3, AVG = 4;
    /** {@code ncclResult_t} values the communicator tells apart. */
    public static final int SUCCESS = 0, IN_PROGRESS = 7;
    /** The first version code with bfloat16 and AVG: 2.10.0. */
    public static final int VERSION_2_10 = 21000;

    /** {@code ncclUniqueId}: {@code struct { char internal[128]; }}. */
    static final StructLayout UNIQUE_ID = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(UNIQUE_ID_BYTES, ValueLayout.JAVA_BYTE).withName("internal")).withName("ncclUniqueId");

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    /** The candidate the library was opened from. */
    public final String loadedFrom;

    private final MethodHandle getVersion, getUniqueId, commInitRank, commDestroy, commAbort, commGetAsyncError, getErrorString, allReduce,
            broadcast, allGather;

    private Nccl(SymbolLookup lib, String loadedFrom) {
        this.loadedFrom = loadedFrom;
        getVersion = bind(lib, "ncclGetVersion", FunctionDescriptor.of(INT, PTR));
        getUniqueId = bind(lib, "ncclGetUniqueId", FunctionDescriptor.of(INT, PTR));
        commInitRank = bind(lib, "ncclCommInitRank", FunctionDescriptor.of(INT, PTR, INT, UNIQUE_ID, INT));
        commDestroy = bind(lib, "ncclCommDestroy", FunctionDescriptor.of(INT, PTR));
        commAbort = bind(lib, "ncclCommAbort", FunctionDescriptor.of(INT, PTR));
        commGetAsyncError = bind(lib, "ncclCommGetAsyncError", FunctionDescriptor.of(INT, PTR, PTR));
        getErrorString = bind(lib, "ncclGetErrorString", FunctionDescriptor.of(PTR, INT));
        allReduce = bind(lib, "ncclAllReduce", FunctionDescriptor.of(INT, PTR, PTR, SIZE_T, INT, INT, PTR, PTR));
        broadcast = bind(lib, "ncclBroadcast", FunctionDescriptor.of(INT, PTR, PTR, SIZE_T, INT, INT, PTR, PTR));
        allGather = bind(lib, "ncclAllGather", FunctionDescriptor.of(INT, PTR, PTR, SIZE_T, INT, PTR, PTR));
    }

    // ---- finding the library ------------------------------------------------------------------------------

    private static Nccl loaded;
    private static String problem = "";

    /**
     * Opens NCCL (the first of {@link #candidates} that loads) and binds it; later calls return
     * the same binding.
     *
     * @return the binding, or empty with {@link #lastProblem()} naming every candidate tried
     */
    public static synchronized Optional<Nccl> load() {
        if (loaded != null) return Optional.of(loaded);
        List<String> candidates = candidates(System.getProperty(PATH_PROPERTY), System.getenv(PATH_ENV), System.getenv(),
                Path.of(System.getProperty("user.home", "/")));
        List<String> failures = new ArrayList<>();
        for (String c : candidates) {
            try {
                SymbolLookup lib = c.contains("/") ? SymbolLookup.libraryLookup(Path.of(c), Arena.global())
                        : SymbolLookup.libraryLookup(c, Arena.global());
                loaded = new Nccl(lib, c);
                return Optional.of(loaded);
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                failures.add(c + " (" + e.getMessage() + ")");
            }
        }
        problem = notFoundMessage(failures);
        return Optional.empty();
    }

    /** {@return why the last {@link #load()} found no library, or ""} */
    public static synchronized String lastProblem() {
        return problem;
    }

    /** The error text when no candidate loaded: what was tried, and how to provide the library. */
    static String notFoundMessage(List<String> failures) {
        return "NCCL's library (" + LIBRARY + ") was not found: tried " + String.join(", ", failures) + ". Install NCCL (NVIDIA's "
                + "libnccl2 package, or pip install nvidia-nccl-cu12, which PyTorch brings), or point -D" + PATH_PROPERTY + " or "
                + PATH_ENV + " at a " + LIBRARY + " (for example site-packages/" + WHEEL_PATH + ")";
    }

    /**
     * The places tried, in order: the path of {@value #PATH_PROPERTY}, then of {@value #PATH_ENV}
     * (an explicit choice wins), then {@value #LIBRARY} by name (a system install), then the
     * copies in the Python environments that {@code environment} and {@code home} point at: an
     * active virtualenv ({@code VIRTUAL_ENV}), conda ({@code CONDA_PREFIX}, whose {@code lib/}
     * may hold NCCL itself), the user's site-packages and the system's {@code dist-packages}.
     * Blank values are skipped; a wheel path is listed only when its file exists.
     *
     * @param property    the system property's value, or null
     * @param env         the environment variable's value, or null
     * @param environment the process environment
     * @param home        the user's home folder
     * @return the candidates, without duplicates
     */
    static List<String> candidates(String property, String env, Map<String, String> environment, Path home) {
        Set<String> c = new LinkedHashSet<>();
        if (property != null && !property.isBlank()) c.add(property.trim());
        if (env != null && !env.isBlank()) c.add(env.trim());
        c.add(LIBRARY);
        String venv = environment.get("VIRTUAL_ENV");
        if (venv != null && !venv.isBlank()) addWheels(c, Path.of(venv, "lib"));
        String conda = environment.get("CONDA_PREFIX");
        if (conda != null && !conda.isBlank()) {
            Path lib = Path.of(conda, "lib", LIBRARY);
            if (Files.isRegularFile(lib)) c.add(lib.toString());
            addWheels(c, Path.of(conda, "lib"));
        }
        addWheels(c, home.resolve(".local/lib"));
        addWheels(c, Path.of("/usr/local/lib"));
        addWheels(c, Path.of("/usr/lib"));
        return List.copyOf(c);
    }

    /** Adds the wheel copies of NCCL in {@code <libDir>/python3*}{@code /site-packages} and {@code /dist-packages}. */
    private static void addWheels(Set<String> candidates, Path libDir) {
        if (!Files.isDirectory(libDir)) return;
        try (Stream<Path> s = Files.list(libDir)) {
            for (Path py : s.filter(p -> p.getFileName().toString().startsWith("python3")).sorted().toList()) {
                for (String folder : List.of("site-packages", "dist-packages")) {
                    Path lib = py.resolve(folder).resolve(WHEEL_PATH);
                    if (Files.isRegularFile(lib)) candidates.add(lib.toString());
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable folder holds no candidate
        }
    }

    /**
     * Binds an already opened library (tests bind a stand-in with NCCL's symbols).
     *
     * @param lib        the library's symbols
     * @param loadedFrom what it was opened from
     * @return the binding
     * @throws UnsatisfiedLinkError when a function is missing
     */
    static Nccl bind(SymbolLookup lib, String loadedFrom) {
        return new Nccl(lib, loadedFrom);
    }

    private static MethodHandle bind(SymbolLookup lib, String name, FunctionDescriptor fd) {
        MemorySegment f = lib.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libnccl does not export " + name + " (not NCCL 2.x?)"));
        return LINKER.downcallHandle(f, fd);
    }

    /**
     * {@return "2.21.5" for a version code} Codes are major·10000 + minor·100 + patch since 2.9,
     * and major·1000 + minor·100 + patch before.
     *
     * @param code what {@link #version()} returned
     */
    public static String versionText(int code) {
        if (code >= 10000) return code / 10000 + "." + code / 100 % 100 + "." + code % 100;
        return code / 1000 + "." + code / 100 % 10 + "." + code % 100;
    }

    // ---- the calls: each returns ncclResult_t unless it says otherwise ------------------------------------

    /** {@return the library's version code (ncclGetVersion), 0 if it failed} */
    public int version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(INT);
            int rc = (int) getVersion.invokeExact(v);
            return rc == SUCCESS ? v.get(INT, 0) : 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * ncclGetUniqueId.
     *
     * @param id receives the {@value #UNIQUE_ID_BYTES}-byte id
     * @return the result code
     */
    public int getUniqueId(MemorySegment id) {
        try {
            return (int) getUniqueId.invokeExact(id);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * ncclCommInitRank: blocks until all {@code nranks} ranks called it with the same id.
     *
     * @param commOut receives the communicator (an address)
     * @param nranks  the number of ranks
     * @param id      the {@value #UNIQUE_ID_BYTES}-byte id rank 0 got from {@link #getUniqueId}
     * @param rank    this rank
     * @return the result code
     */
    public int commInitRank(MemorySegment commOut, int nranks, MemorySegment id, int rank) {
        try {
            return (int) commInitRank.invokeExact(commOut, nranks, id, rank);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * ncclCommDestroy: frees the communicator once its queued work has run.
     *
     * @param comm the communicator
     * @return the result code
     */
    public int commDestroy(MemorySegment comm) {
        try {
            return (int) commDestroy.invokeExact(comm);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * ncclCommAbort: frees the communicator, ending its pending work (after a failure).
     *
     * @param comm the communicator
     * @return the result code
     */
    public int commAbort(MemorySegment comm) {
        try {
            return (int) commAbort.invokeExact(comm);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * ncclCommGetAsyncError.
     *
     * @param comm  the communicator
     * @param error receives the error of its background work (an int; {@link #SUCCESS} if none)
     * @return the result code of the query itself
     */
    public int commGetAsyncError(MemorySegment comm, MemorySegment error) {
        try {
            return (int) commGetAsyncError.invokeExact(comm, error);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@return NCCL's text for a result code (ncclGetErrorString)}
     *
     * @param code the result code
     */
    public String errorString(int code) {
        try {
            MemorySegment s = (MemorySegment) getErrorString.invokeExact(code);
            return s.address() == 0 ? "NCCL error " + code : s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "NCCL error " + code;
        }
    }

    /**
     * ncclAllReduce, queued on {@code stream}.
     *
     * @param send   device address of the input
     * @param recv   device address of the output (the same as {@code send} in place)
     * @param count  elements
     * @param type   an {@code ncclDataType_t}
     * @param op     an {@code ncclRedOp_t}
     * @param comm   the communicator
     * @param stream the CUDA stream
     * @return the result code
     */
    public int allReduce(long send, long recv, long count, int type, int op, MemorySegment comm, long stream) {
        try {
            return (int) allReduce.invokeExact(MemorySegment.ofAddress(send), MemorySegment.ofAddress(recv), count, type, op, comm,
                    MemorySegment.ofAddress(stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * ncclBroadcast, queued on {@code stream}.
     *
     * @param send   device address of the root's input
     * @param recv   device address of the output (the same as {@code send} in place)
     * @param count  elements
     * @param type   an {@code ncclDataType_t}
     * @param root   the rank whose input everyone gets
     * @param comm   the communicator
     * @param stream the CUDA stream
     * @return the result code
     */
    public int broadcast(long send, long recv, long count, int type, int root, MemorySegment comm, long stream) {
        try {
            return (int) broadcast.invokeExact(MemorySegment.ofAddress(send), MemorySegment.ofAddress(recv), count, type, root, comm,
                    MemorySegment.ofAddress(stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * ncclAllGather, queued on {@code stream}.
     *
     * @param send      device address of this rank's input
     * @param recv      device address of the output: {@code nranks · sendCount} elements, in rank order
     * @param sendCount elements per rank
     * @param type      an {@code ncclDataType_t}
     * @param comm      the communicator
     * @param stream    the CUDA stream
     * @return the result code
     */
    public int allGather(long send, long recv, long sendCount, int type, MemorySegment comm, long stream) {
        try {
            return (int) allGather.invokeExact(MemorySegment.ofAddress(send), MemorySegment.ofAddress(recv), sendCount, type, comm,
                    MemorySegment.ofAddress(stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
