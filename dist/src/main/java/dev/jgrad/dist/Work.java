package dev.jgrad.dist;

/**
 * A collective started with {@link Communicator#allReduceAsync}: the tensor may be read or
 * changed again only after {@link #await()} returns.
 *
 * <pre>{@code
 * Work w = comm.allReduceAsync(bucket, ReduceOp.SUM);
 * // ... other work ...
 * w.await();   // bucket now holds the sum; rethrows the collective's failure, if any
 * }</pre>
 */
public interface Work {
    /**
     * Waits until the collective has finished.
     *
     * @throws DistributedException when it failed (on this rank, or because the ranks disagreed)
     */
    void await();

    /** {@return whether the collective has finished (successfully or not)} */
    boolean isDone();
}
