package dev.jgrad.dist;

/**
 * A collective failed: the ranks called different collectives (or the same one on different
 * shapes), not every rank reached it within the timeout, or the engine reported an error. After
 * one, the communicator is unusable: the ranks are no longer in step.
 *
 * <pre>{@code
 * try {
 *     comm.allReduce(t);
 * } catch (DistributedException e) {
 *     System.err.println("rank " + comm.rank() + ": " + e.getMessage());
 * }
 * }</pre>
 */
public class DistributedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * A failure with its explanation.
     *
     * @param message what happened, on which rank, and what to check
     */
    public DistributedException(String message) {
        super(message);
    }

    /**
     * A failure caused by another exception.
     *
     * @param message what happened
     * @param cause   the underlying failure
     */
    public DistributedException(String message, Throwable cause) {
        super(message, cause);
    }
}
