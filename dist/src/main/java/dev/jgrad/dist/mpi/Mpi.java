package dev.jgrad.dist.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Open MPI's C API through FFM: the functions jgrad's communicator calls, and the
 * predefined handles it passes. In Open MPI a handle such as {@code MPI_COMM_WORLD},
 * {@code MPI_FLOAT} or {@code MPI_SUM} is the address of an exported object
 * ({@code ompi_mpi_comm_world}, {@code ompi_mpi_float}, {@code ompi_mpi_op_sum}), and
 * {@code MPI_IN_PLACE} is the address 1 — so the handles are looked up as symbols, not read from
 * a header. (MPICH encodes handles as integers instead: this binding is for Open MPI, the MPI of
 * Debian's {@code openmpi-bin}, of most clusters' module systems and of llm.c's instructions.)
 *
 * <p>The library is opened with {@code dlopen(RTLD_NOW | RTLD_GLOBAL)} before the lookup: Open
 * MPI loads its transport components as plugins that resolve {@code ompi_*} symbols against the
 * already-loaded libmpi, which only works when libmpi's symbols are global — the JDK's own
 * library lookup opens libraries locally.
 *
 * <p>Every function returns MPI's error code; the communicator turns a non-zero code into an
 * exception with {@link #errorString}. This class holds no state beyond the bound handles.
 *
 * <pre>{@code
 * Mpi mpi = Mpi.load().orElseThrow();
 * }</pre>
 */
public final class Mpi {
    /** System property: the path or name of libmpi to open instead of the usual names. */
    public static final String PATH_PROPERTY = "jgrad.mpi.path";
    /** The names tried in order (Open MPI 4.x and 5.x, then the unversioned development link). */
    static final List<String> NAMES = List.of("libmpi.so.40", "libmpi.so");

    /** {@code MPI_THREAD_SERIALIZED}: one thread at a time calls MPI (jgrad calls it from one thread). */
    public static final int THREAD_SERIALIZED = 2;
    /** {@code MPI_MAX_ERROR_STRING} in Open MPI. */
    static final int MAX_ERROR_STRING = 256;
    /** {@code MPI_MAX_LIBRARY_VERSION_STRING} in Open MPI. */
    static final int MAX_LIBRARY_VERSION_STRING = 256;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    /** Where the library came from. */
    public final String loadedFrom;

    /** {@code MPI_COMM_WORLD}, {@code MPI_IN_PLACE} and the datatypes, ops and error handler jgrad uses. */
    public final MemorySegment commWorld, inPlace, floatType, doubleType, int32Type, int64Type, byteType, opSum, opMax, opMin,
            errorsReturn;

    private final MethodHandle initialized, initThread, finalized, finalizeFn, commRank, commSize, commDup, commFree, commSetErrhandler,
            errorString, libraryVersion, allreduce, bcast, allgather, iallgather, test, barrier, abort, allreduceHeap, bcastHeap, isend, irecv,
            testall;

    private Mpi(SymbolLookup lib, String loadedFrom) {
        this.loadedFrom = loadedFrom;
        commWorld = handle(lib, "ompi_mpi_comm_world");
        inPlace = MemorySegment.ofAddress(1);
        floatType = handle(lib, "ompi_mpi_float");
        doubleType = handle(lib, "ompi_mpi_double");
        int32Type = handle(lib, "ompi_mpi_int");
        int64Type = handle(lib, "ompi_mpi_long_long_int");
        byteType = handle(lib, "ompi_mpi_byte");
        opSum = handle(lib, "ompi_mpi_op_sum");
        opMax = handle(lib, "ompi_mpi_op_max");
        opMin = handle(lib, "ompi_mpi_op_min");
        errorsReturn = handle(lib, "ompi_mpi_errors_return");
        initialized = bind(lib, "MPI_Initialized", FunctionDescriptor.of(INT, PTR));
        initThread = bind(lib, "MPI_Init_thread", FunctionDescriptor.of(INT, PTR, PTR, INT, PTR));
        finalized = bind(lib, "MPI_Finalized", FunctionDescriptor.of(INT, PTR));
        finalizeFn = bind(lib, "MPI_Finalize", FunctionDescriptor.of(INT));
        commRank = bind(lib, "MPI_Comm_rank", FunctionDescriptor.of(INT, PTR, PTR));
        commSize = bind(lib, "MPI_Comm_size", FunctionDescriptor.of(INT, PTR, PTR));
        commDup = bind(lib, "MPI_Comm_dup", FunctionDescriptor.of(INT, PTR, PTR));
        commFree = bind(lib, "MPI_Comm_free", FunctionDescriptor.of(INT, PTR));
        commSetErrhandler = bind(lib, "MPI_Comm_set_errhandler", FunctionDescriptor.of(INT, PTR, PTR));
        errorString = bind(lib, "MPI_Error_string", FunctionDescriptor.of(INT, INT, PTR, PTR));
        libraryVersion = bind(lib, "MPI_Get_library_version", FunctionDescriptor.of(INT, PTR, PTR));
        allreduce = bind(lib, "MPI_Allreduce", FunctionDescriptor.of(INT, PTR, PTR, INT, PTR, PTR, PTR));
        bcast = bind(lib, "MPI_Bcast", FunctionDescriptor.of(INT, PTR, INT, PTR, INT, PTR));
        allgather = bind(lib, "MPI_Allgather", FunctionDescriptor.of(INT, PTR, INT, PTR, PTR, INT, PTR, PTR));
        iallgather = bind(lib, "MPI_Iallgather", FunctionDescriptor.of(INT, PTR, INT, PTR, PTR, INT, PTR, PTR, PTR));
        test = bind(lib, "MPI_Test", FunctionDescriptor.of(INT, PTR, PTR, PTR));
        barrier = bind(lib, "MPI_Barrier", FunctionDescriptor.of(INT, PTR));
        abort = bind(lib, "MPI_Abort", FunctionDescriptor.of(INT, PTR, INT));
        // Heap arrays passed in place: a critical call may take a heap segment, and no safepoint
        // happens during it, so the caller keeps each call short (all ranks have already arrived,
        // and large tensors go in chunks).
        Linker.Option heap = Linker.Option.critical(true);
        allreduceHeap = bind(lib, "MPI_Allreduce", FunctionDescriptor.of(INT, PTR, PTR, INT, PTR, PTR, PTR), heap);
        bcastHeap = bind(lib, "MPI_Bcast", FunctionDescriptor.of(INT, PTR, INT, PTR, INT, PTR), heap);
        // The point-to-point calls of the call exchange only start or test requests on native
        // buffers: short calls, made without the thread-state change of an ordinary downcall.
        Linker.Option quick = Linker.Option.critical(false);
        isend = bind(lib, "MPI_Isend", FunctionDescriptor.of(INT, PTR, INT, PTR, INT, INT, PTR, PTR), quick);
        irecv = bind(lib, "MPI_Irecv", FunctionDescriptor.of(INT, PTR, INT, PTR, INT, INT, PTR, PTR), quick);
        testall = bind(lib, "MPI_Testall", FunctionDescriptor.of(INT, INT, PTR, PTR, PTR), quick);
    }

    /**
     * Opens libmpi ({@code -Djgrad.mpi.path}, else {@link #NAMES}) and binds it.
     *
     * @return the binding, or empty with {@link #lastProblem()} saying what was tried
     */
    public static synchronized Optional<Mpi> load() {
        if (loaded != null) return Optional.of(loaded);
        String forced = System.getProperty(PATH_PROPERTY);
        List<String> candidates = forced != null && !forced.isBlank() ? List.of(forced) : NAMES;
        List<String> failures = new ArrayList<>();
        for (String c : candidates) {
            try {
                dlopenGlobal(c);
                SymbolLookup lib = c.contains("/") ? SymbolLookup.libraryLookup(java.nio.file.Path.of(c), Arena.global())
                        : SymbolLookup.libraryLookup(c, Arena.global());
                loaded = new Mpi(lib, c);
                return Optional.of(loaded);
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                failures.add(c + " (" + e.getMessage() + ")");
            }
        }
        problem = "Open MPI's library was not found: tried " + String.join(", ", failures) + ". Install Open MPI (Debian/Ubuntu: "
                + "apt-get install openmpi-bin libopenmpi-dev) or point -D" + PATH_PROPERTY + " at libmpi.so";
        return Optional.empty();
    }

    private static Mpi loaded;
    private static String problem = "";

    /** {@return why the last {@link #load()} found no library, or ""} */
    public static synchronized String lastProblem() {
        return problem;
    }

    /** dlopen(name, RTLD_NOW | RTLD_GLOBAL), throwing with dlerror's text when it fails. */
    private static void dlopenGlobal(String name) {
        SymbolLookup libc = LINKER.defaultLookup();
        MethodHandle dlopen = LINKER.downcallHandle(libc.find("dlopen").orElseThrow(), FunctionDescriptor.of(PTR, PTR, INT));
        MethodHandle dlerror = LINKER.downcallHandle(libc.find("dlerror").orElseThrow(), FunctionDescriptor.of(PTR));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = (MemorySegment) dlopen.invokeExact(a.allocateFrom(name), 0x002 | 0x100);
            if (h.address() == 0) {
                MemorySegment err = (MemorySegment) dlerror.invokeExact();
                throw new IllegalStateException(err.address() == 0 ? "dlopen failed" : err.reinterpret(4096).getString(0));
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MemorySegment handle(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libmpi does not export " + name + " (not Open MPI?)"));
    }

    private static MethodHandle bind(SymbolLookup lib, String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(handle(lib, name), fd, options);
    }

    // ---- the calls: each returns MPI's error code ---------------------------------------------------------

    /** MPI_Initialized. */
    public int initialized(MemorySegment flag) {
        try {
            return (int) initialized.invokeExact(flag);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Init_thread with no arguments. */
    public int initThread(int required, MemorySegment provided) {
        try {
            return (int) initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL, required, provided);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Finalized. */
    public int finalized(MemorySegment flag) {
        try {
            return (int) finalized.invokeExact(flag);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Finalize. */
    public int finalizeMpi() {
        try {
            return (int) finalizeFn.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Comm_rank. */
    public int commRank(MemorySegment comm, MemorySegment rank) {
        try {
            return (int) commRank.invokeExact(comm, rank);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Comm_size. */
    public int commSize(MemorySegment comm, MemorySegment size) {
        try {
            return (int) commSize.invokeExact(comm, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Comm_dup: {@code out} receives the new communicator's handle. */
    public int commDup(MemorySegment comm, MemorySegment out) {
        try {
            return (int) commDup.invokeExact(comm, out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Comm_free: {@code commRef} holds the handle (set to MPI_COMM_NULL). */
    public int commFree(MemorySegment commRef) {
        try {
            return (int) commFree.invokeExact(commRef);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Comm_set_errhandler. */
    public int commSetErrhandler(MemorySegment comm, MemorySegment handler) {
        try {
            return (int) commSetErrhandler.invokeExact(comm, handler);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@return MPI's text for an error code} */
    public String errorString(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(MAX_ERROR_STRING), len = a.allocate(INT);
            int rc = (int) errorString.invokeExact(code, buf, len);
            return rc == 0 ? buf.getString(0) : "MPI error " + code;
        } catch (Throwable t) {
            return "MPI error " + code;
        }
    }

    /** {@return the library's version line ("Open MPI v4.1.4, …")} */
    public String libraryVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(MAX_LIBRARY_VERSION_STRING + 1), len = a.allocate(INT);
            int rc = (int) libraryVersion.invokeExact(buf, len);
            return rc == 0 ? buf.getString(0).lines().findFirst().orElse("").trim() : "unknown";
        } catch (Throwable t) {
            return "unknown";
        }
    }

    /** MPI_Allreduce. */
    public int allreduce(MemorySegment send, MemorySegment recv, int count, MemorySegment type, MemorySegment op, MemorySegment comm) {
        try {
            return (int) allreduce.invokeExact(send, recv, count, type, op, comm);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * MPI_Allreduce in place on a segment that may be a heap array's: a critical call, so it
     * must not wait long (every rank must already be in the collective).
     */
    public int allreduceInPlaceHeap(MemorySegment buf, int count, MemorySegment type, MemorySegment op, MemorySegment comm) {
        try {
            return (int) allreduceHeap.invokeExact(inPlace, buf, count, type, op, comm);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Bcast on a segment that may be a heap array's: a critical call, as {@link #allreduceInPlaceHeap}. */
    public int bcastHeap(MemorySegment buf, int count, MemorySegment type, int root, MemorySegment comm) {
        try {
            return (int) bcastHeap.invokeExact(buf, count, type, root, comm);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Bcast. */
    public int bcast(MemorySegment buf, int count, MemorySegment type, int root, MemorySegment comm) {
        try {
            return (int) bcast.invokeExact(buf, count, type, root, comm);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Allgather with the same type and count on both sides. */
    public int allgather(MemorySegment send, int count, MemorySegment type, MemorySegment recv, MemorySegment comm) {
        try {
            return (int) allgather.invokeExact(send, count, type, recv, count, type, comm);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Iallgather with the same type and count on both sides; {@code request} receives the request handle. */
    public int iallgather(MemorySegment send, int count, MemorySegment type, MemorySegment recv, MemorySegment comm, MemorySegment request) {
        try {
            return (int) iallgather.invokeExact(send, count, type, recv, count, type, comm, request);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Test with MPI_STATUS_IGNORE. */
    public int test(MemorySegment request, MemorySegment flag) {
        try {
            return (int) test.invokeExact(request, flag, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Isend of {@code count} elements of {@code type} to rank {@code dest}; {@code request} receives the request handle. */
    public int isend(MemorySegment buf, int count, MemorySegment type, int dest, int tag, MemorySegment comm, MemorySegment request) {
        try {
            return (int) isend.invokeExact(buf, count, type, dest, tag, comm, request);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Irecv of at most {@code count} elements of {@code type} from rank {@code source}; {@code request} receives the request handle. */
    public int irecv(MemorySegment buf, int count, MemorySegment type, int source, int tag, MemorySegment comm, MemorySegment request) {
        try {
            return (int) irecv.invokeExact(buf, count, type, source, tag, comm, request);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Testall with MPI_STATUSES_IGNORE over {@code count} request handles. */
    public int testall(int count, MemorySegment requests, MemorySegment flag) {
        try {
            return (int) testall.invokeExact(count, requests, flag, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Barrier. */
    public int barrier(MemorySegment comm) {
        try {
            return (int) barrier.invokeExact(comm);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Abort. */
    public int abort(MemorySegment comm, int code) {
        try {
            return (int) abort.invokeExact(comm, code);
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
