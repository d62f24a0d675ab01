package dev.jgrad.dist;

import dev.jgrad.dist.nccl.Nccl;
import dev.jgrad.tensor.DType;
import java.util.List;
import java.util.Map;

/** jgrad's dtypes and reduce ops as NCCL's C enums, and which GPU a rank takes. */
final class NcclTypes {
    /** Environment variables that give a rank's index among the ranks of its machine: Open MPI's, MPICH's/Hydra's, Slurm's. */
    static final List<String> LOCAL_RANK_VARIABLES = List.of("OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID");

    private NcclTypes() {}

    /** {@return the ncclDataType_t of a dtype} BOOL moves as bytes (jgrad stores one byte per element). */
    static int dataType(DType d) {
        return switch (d) {
            case FLOAT32 -> Nccl.FLOAT32;
            case FLOAT64 -> Nccl.FLOAT64;
            case FLOAT16 -> Nccl.FLOAT16;
            case BFLOAT16 -> Nccl.BFLOAT16;
            case INT32 -> Nccl.INT32;
            case INT64 -> Nccl.INT64;
            case BOOL -> Nccl.UINT8;
        };
    }

    /**
     * {@return the ncclRedOp_t of a reduce op} AVG is NCCL's own from 2.10; before, it is SUM and
     * the caller divides ({@link #nativeAvg}).
     */
    static int reduceOp(ReduceOp op, int version) {
        return switch (op) {
            case SUM -> Nccl.SUM;
            case AVG -> nativeAvg(version) ? Nccl.AVG : Nccl.SUM;
            case MAX -> Nccl.MAX;
            case MIN -> Nccl.MIN;
        };
    }

    /** {@return whether NCCL of this version code averages itself} */
    static boolean nativeAvg(int version) {
        return version >= Nccl.VERSION_2_10;
    }

    /** Throws when this NCCL cannot reduce the dtype: bfloat16 came with 2.10. */
    static void checkReducible(String op, DType d, int version) {
        if (d == DType.BFLOAT16 && version < Nccl.VERSION_2_10) {
            throw new IllegalArgumentException(op + ": NCCL " + Nccl.versionText(version) + " cannot reduce bfloat16 (NCCL 2.10 or later can); "
                    + "convert to float32 first");
        }
    }

    /**
     * {@return this rank's index among the ranks on its machine: the first of
     * {@link #LOCAL_RANK_VARIABLES} set to a number, else {@code rank} (every rank on one machine)}
     *
     * @param environment the process environment
     * @param rank        the rank in the communicator
     */
    static int localRank(Map<String, String> environment, int rank) {
        for (String name : LOCAL_RANK_VARIABLES) {
            String v = environment.get(name);
            if (v == null || v.isBlank()) continue;
            try {
                int r = Integer.parseInt(v.trim());
                if (r >= 0) return r;
            } catch (NumberFormatException e) {
                // not a number: try the next variable
            }
        }
        return rank;
    }

    /** {@return the GPU of the rank with this local rank: one rank per GPU, wrapping around when there are more ranks than GPUs} */
    static int deviceFor(int localRank, int deviceCount) {
        if (deviceCount <= 0) throw new IllegalArgumentException("deviceFor: no CUDA device");
        return localRank % deviceCount;
    }
}
