package dev.jgrad.dist;

/**
 * How {@link Communicator#allReduce(dev.jgrad.tensor.Tensor, ReduceOp)} combines the ranks'
 * tensors, element by element.
 *
 * <pre>{@code
 * comm.allReduce(grad, ReduceOp.AVG);   // every rank gets the mean of the ranks' gradients
 * }</pre>
 */
public enum ReduceOp {
    /** The sum over ranks. */
    SUM,
    /** The sum over ranks divided by the number of ranks (floating-point tensors only). */
    AVG,
    /** The largest value over ranks. */
    MAX,
    /** The smallest value over ranks. */
    MIN
}
