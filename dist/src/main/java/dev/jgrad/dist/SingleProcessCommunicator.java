package dev.jgrad.dist;

import dev.jgrad.tensor.GradMode;
import dev.jgrad.tensor.Tensor;

/**
 * One rank: every collective is the identity (a sum over one rank is the tensor itself), with
 * the same checks as the MPI communicator, so code written for {@code mpirun} runs unchanged in
 * one process. Not final: the tests' stand-in for a GPU communicator is this one on another device.
 */
class SingleProcessCommunicator extends BaseCommunicator {
    private static SingleProcessCommunicator world;

    SingleProcessCommunicator() {}

    /** The world of a process started without mpirun: one shared instance until it is closed. */
    static synchronized SingleProcessCommunicator world() {
        if (world == null || world.closed) world = new SingleProcessCommunicator();
        return world;
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public void allReduce(Tensor t, ReduceOp op) {
        usable("allReduce");
        checkReducible("allReduce", t, op);
    }

    @Override
    public Work allReduceAsync(Tensor t, ReduceOp op) {
        allReduce(t, op);
        return DONE;
    }

    @Override
    public void broadcast(Tensor t, int root) {
        usable("broadcast");
        checkTensor("broadcast", t);
        checkRoot("broadcast", root);
    }

    @Override
    public Tensor allGather(Tensor t) {
        usable("allGather");
        checkTensor("allGather", t);
        try (var g = GradMode.noGrad()) {
            return t.reshape(gatheredShape(t.shape(), 1)).clone();
        }
    }

    @Override
    public void barrier() {
        usable("barrier");
    }

    @Override
    public String engine() {
        return "one process (started without mpirun)";
    }


    @Override
    public void close() {
        closed = true;
    }

    static final Work DONE = new Work() {
        @Override
        public void await() {}

        @Override
        public boolean isDone() {
            return true;
        }
    };
}
