package dev.jgrad.dist;

import dev.jgrad.dist.mpi.Mpi;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The message every rank sends every other rank at the start of a collective, in a world of at
 * most {@value #MAX_RANKS} ranks: the {@link CallHeader}, followed, when the collective's data is
 * small enough ({@link #inlineCapacity}), by the data itself — so that a small all-reduce is one
 * exchange (each rank then reduces the ranks' contributions itself) instead of a header exchange
 * followed by a second collective.
 *
 * <p>The messages are {@code MPI_Isend}/{@code MPI_Irecv} pairs on native buffers owned by this
 * object, polled with {@code MPI_Testall} by the caller (so a rank that never arrives is a
 * timeout, not a hang). Each receive accepts up to a header and {@link #inlineCapacity} bytes,
 * whatever the sender sends: a rank that called another collective, with or without data, is
 * still received, and the headers say what went wrong. Messages between two ranks with one tag on
 * one communicator are delivered in order, so call k's message never meets call k+1's.
 *
 * <p>Not thread-safe: the communicator makes its MPI calls one at a time. After a timeout MPI
 * still owns the buffers, and the communicator is never used again; they are freed at a clean
 * close only.
 */
final class CallExchange {
    /** Beyond this many ranks the header goes by MPI_Iallgather instead: a message to every rank would cost as many sends. */
    static final int MAX_RANKS = 16;
    /**
     * Bytes of data that go inline for two ranks; with N ranks each rank receives N − 1
     * contributions, so the capacity is this divided by N − 1. With the header the message
     * stays under Open MPI's shared-memory eager limit (4 KiB): a larger one needs a rendezvous,
     * several round trips in the polling loop, which on a loaded machine sometimes took 150 µs
     * instead of 6 (docs/design-notes.md has the measurements).
     */
    static final long INLINE_BYTES_TWO_RANKS = 3 * 1024;
    static final int HEADER_BYTES = CallHeader.LONGS * Long.BYTES;
    /** The tag of the exchange's messages (collectives do not use user tags). */
    private static final int TAG = 0x6a67;

    private final Mpi mpi;
    private final MemorySegment comm;
    private final int rank, size;
    private final long capacity, slotBytes;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment send, recv, requests, flag;
    /** Each request handle's place in {@link #requests}, and each other rank's receive buffer (by rank; null for this one). */
    private final MemorySegment[] request, slot;
    private int pending;

    CallExchange(Mpi mpi, MemorySegment comm, int rank, int size) {
        this.mpi = mpi;
        this.comm = comm;
        this.rank = rank;
        this.size = size;
        capacity = inlineCapacity(size);
        slotBytes = HEADER_BYTES + capacity;
        send = arena.allocate(slotBytes, 64);
        recv = arena.allocate(slotBytes * Math.max(1, size - 1), 64);
        requests = arena.allocate(ValueLayout.ADDRESS, 2L * Math.max(1, size - 1));
        flag = arena.allocate(ValueLayout.JAVA_INT);
        request = new MemorySegment[2 * Math.max(1, size - 1)];
        for (int i = 0; i < request.length; i++) request[i] = requests.asSlice(ValueLayout.ADDRESS.byteSize() * i, ValueLayout.ADDRESS);
        slot = new MemorySegment[size];
        for (int r = 0, i = 0; r < size; r++) {
            if (r != rank) slot[r] = recv.asSlice(slotBytes * i++, slotBytes);
        }
    }

    /** {@return how many bytes of data a collective may carry inline with its header in a world of {@code size} ranks} */
    static long inlineCapacity(int size) {
        if (size < 2) return 0;
        return INLINE_BYTES_TWO_RANKS / (size - 1) & ~7L;
    }

    /** {@return the bytes of data this exchange carries inline} */
    long capacity() {
        return capacity;
    }

    /** {@return where this rank's inline data goes before {@link #start}: {@code bytes} bytes after the header} */
    MemorySegment ownData(long bytes) {
        return send.asSlice(HEADER_BYTES, bytes);
    }

    /** {@return the first {@code bytes} bytes of the inline data rank {@code r} sent in the last exchange} */
    MemorySegment data(int r, long bytes) {
        return r == rank ? ownData(bytes) : slot[r].asSlice(HEADER_BYTES, bytes);
    }

    /** Starts the exchange of {@code header} and the first {@code dataBytes} bytes of {@link #ownData} with every rank. */
    void start(long[] header, long dataBytes, Checker check) {
        MemorySegment.copy(header, 0, send, ValueLayout.JAVA_LONG, 0, CallHeader.LONGS);
        pending = 0;
        for (int r = 0; r < size; r++) {
            if (r == rank) continue;
            check.rc(mpi.irecv(slot[r], (int) slotBytes, mpi.byteType, r, TAG, comm, request[pending++]), "MPI_Irecv");
        }
        for (int r = 0; r < size; r++) {
            if (r == rank) continue;
            check.rc(mpi.isend(send, (int) (HEADER_BYTES + dataBytes), mpi.byteType, r, TAG, comm, request[pending++]), "MPI_Isend");
        }
    }

    /** {@return whether every message of the exchange has arrived and been sent} */
    boolean test(Checker check) {
        if (pending == 0) return true;
        check.rc(mpi.testall(pending, requests, flag), "MPI_Testall");
        return flag.get(ValueLayout.JAVA_INT, 0) != 0;
    }

    /** {@return whether every rank sent the header this rank sent, in the finished exchange} */
    boolean agrees() {
        for (int r = 0; r < size; r++) {
            if (r != rank && MemorySegment.mismatch(send, 0, HEADER_BYTES, slot[r], 0, HEADER_BYTES) >= 0) return false;
        }
        return true;
    }

    /** {@return every rank's header of the finished exchange, rank by rank} */
    long[] headers(long[] mine) {
        long[] all = new long[CallHeader.LONGS * size];
        for (int r = 0; r < size; r++) {
            if (r == rank) System.arraycopy(mine, 0, all, r * CallHeader.LONGS, CallHeader.LONGS);
            else MemorySegment.copy(slot[r], ValueLayout.JAVA_LONG, 0, all, r * CallHeader.LONGS, CallHeader.LONGS);
        }
        return all;
    }

    /** Frees the buffers (only when no exchange is pending). */
    void close() {
        arena.close();
    }

    /** Turns an MPI return code into an exception. */
    interface Checker {
        void rc(int code, String what);
    }
}
