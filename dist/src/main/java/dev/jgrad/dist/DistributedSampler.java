package dev.jgrad.dist;

import dev.jgrad.nn.data.Dataset;
import dev.jgrad.nn.data.Example;
import java.util.SplittableRandom;

/**
 * This rank's share of a dataset, as a {@link Dataset} to hand to a
 * {@link dev.jgrad.nn.data.DataLoader} (without its own shuffle): every epoch the indices are
 * shuffled with the same seed on every rank ({@link #setEpoch}), padded by repeating the first
 * ones so that their number divides by the rank count, and rank r takes every size-th index from
 * r. So the ranks see disjoint examples (but for the padding), together the whole dataset, and
 * the same number of batches — no rank waits in a collective for one that ran out. As PyTorch's
 * {@code DistributedSampler}.
 *
 * <pre>{@code
 * DistributedSampler shard = new DistributedSampler(train, comm, true, 42);
 * DataLoader loader = new DataLoader(shard, 64, false, 0);
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *     shard.setEpoch(epoch);                  // a new order, the same on every rank
 *     for (Batch b : loader) step(b);
 * }
 * }</pre>
 */
public final class DistributedSampler implements Dataset {
    private final Dataset dataset;
    private final int rank, ranks;
    private final boolean shuffle;
    private final long seed;
    private int[] indices;
    private int epoch;

    /**
     * This communicator's rank's share.
     *
     * @param dataset the whole dataset, the same on every rank
     * @param comm    the ranks to share it among
     * @param shuffle whether to shuffle every epoch
     * @param seed    the shuffle's seed, the same on every rank
     */
    public DistributedSampler(Dataset dataset, Communicator comm, boolean shuffle, long seed) {
        this(dataset, checked(comm).rank(), comm.size(), shuffle, seed);
    }

    /**
     * Rank {@code rank}'s share among {@code ranks}.
     *
     * @param dataset the whole dataset
     * @param rank    this share's rank, from 0 to ranks − 1
     * @param ranks   the number of shares
     * @param shuffle whether to shuffle every epoch
     * @param seed    the shuffle's seed
     * @throws IllegalArgumentException for a null or empty dataset or a rank out of range
     */
    public DistributedSampler(Dataset dataset, int rank, int ranks, boolean shuffle, long seed) {
        if (dataset == null) throw new IllegalArgumentException("DistributedSampler: the dataset is null");
        if (ranks < 1) throw new IllegalArgumentException("DistributedSampler: the number of ranks must be >= 1, got " + ranks);
        if (rank < 0 || rank >= ranks) throw new IllegalArgumentException("DistributedSampler: rank must be from 0 to " + (ranks - 1) + ", got " + rank);
        if (dataset.size() == 0) throw new IllegalArgumentException("DistributedSampler: the dataset is empty");
        this.dataset = dataset;
        this.rank = rank;
        this.ranks = ranks;
        this.shuffle = shuffle;
        this.seed = seed;
        indices = shard(0);
    }

    private static Communicator checked(Communicator comm) {
        if (comm == null) throw new IllegalArgumentException("DistributedSampler: the communicator is null");
        return comm;
    }

    /**
     * Selects epoch {@code epoch}'s order (call it before each epoch: without it, every epoch
     * repeats epoch 0's order).
     *
     * @param epoch the epoch, from 0
     */
    public void setEpoch(int epoch) {
        if (epoch < 0) throw new IllegalArgumentException("DistributedSampler.setEpoch: epoch must be >= 0, got " + epoch);
        if (epoch != this.epoch) indices = shard(epoch);
        this.epoch = epoch;
    }

    /** {@return the epoch whose order is in use} */
    public int epoch() {
        return epoch;
    }

    /** {@return the whole dataset's index of each example of this share, in order} */
    public int[] indices() {
        return indices.clone();
    }

    private int[] shard(int epoch) {
        int n = dataset.size(), per = (n + ranks - 1) / ranks;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (shuffle) {   // Fisher–Yates from (seed, epoch): the same permutation on every rank
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        int[] mine = new int[per];
        for (int k = 0; k < per; k++) mine[k] = order[(rank + k * ranks) % n];   // past the end: wrap to the first ones
        return mine;
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public Example get(int index) {
        if (index < 0 || index >= indices.length) throw new IndexOutOfBoundsException("DistributedSampler: index " + index + " of " + indices.length);
        return dataset.get(indices[index]);
    }
}
