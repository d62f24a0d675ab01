/*
 * A stand-in for libnccl.so.2 with NCCL 2.x's C signatures, for NcclBindingTest on machines
 * without NCCL or a GPU: each function records its arguments in fake_last[] (read back by the
 * test through the same library) so the test sees what the FFM binding passed, including the
 * 128-byte ncclUniqueId passed by value.
 */
#include <stddef.h>
#include <string.h>

typedef struct { char internal[128]; } ncclUniqueId;
typedef struct fakeComm { int nranks, rank; } *ncclComm_t;

long long fake_last[8];
static struct fakeComm the_comm;

int ncclGetVersion(int *version) { *version = 22105; return 0; }

int ncclGetUniqueId(ncclUniqueId *id) {
    for (int i = 0; i < 128; i++) id->internal[i] = (char) (i * 7 + 3);
    return 0;
}

/* Fails with ncclInvalidArgument (4) unless the id is the one ncclGetUniqueId made. */
int ncclCommInitRank(ncclComm_t *comm, int nranks, ncclUniqueId id, int rank) {
    for (int i = 0; i < 128; i++) if (id.internal[i] != (char) (i * 7 + 3)) return 4;
    the_comm.nranks = nranks;
    the_comm.rank = rank;
    *comm = &the_comm;
    fake_last[0] = nranks;
    fake_last[1] = rank;
    return 0;
}

static void record(int call, const void *send, void *recv, size_t count, int type, int arg, ncclComm_t comm, void *stream) {
    fake_last[0] = call;
    fake_last[1] = (long long) send;
    fake_last[2] = (long long) recv;
    fake_last[3] = (long long) count;
    fake_last[4] = type;
    fake_last[5] = arg;
    fake_last[6] = comm == &the_comm;
    fake_last[7] = (long long) stream;
}

int ncclAllReduce(const void *send, void *recv, size_t count, int type, int op, ncclComm_t comm, void *stream) {
    record(1, send, recv, count, type, op, comm, stream);
    return 0;
}

int ncclBroadcast(const void *send, void *recv, size_t count, int type, int root, ncclComm_t comm, void *stream) {
    record(2, send, recv, count, type, root, comm, stream);
    return 0;
}

int ncclAllGather(const void *send, void *recv, size_t count, int type, ncclComm_t comm, void *stream) {
    record(3, send, recv, count, type, -1, comm, stream);
    return 0;
}

int ncclCommGetAsyncError(ncclComm_t comm, int *error) { *error = comm == &the_comm ? 0 : 5; return 0; }
int ncclCommDestroy(ncclComm_t comm) { return comm == &the_comm ? 0 : 4; }
int ncclCommAbort(ncclComm_t comm) { return comm == &the_comm ? 0 : 4; }

const char *ncclGetErrorString(int result) {
    switch (result) {
        case 0: return "no error";
        case 4: return "invalid argument";
        default: return "unknown result code";
    }
}
