package dev.jgrad.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Interleaved timing of jgrad against its peers: rounds of one block each — jgrad, then every
 * peer in turn — so that background load on a shared machine falls on all of them alike, not
 * on whichever ran while a build happened. The ratio peer time / jgrad time is taken per round,
 * from the two blocks' medians, and reported as the median over rounds with its range.
 *
 * <pre>{@code
 * Contest.Outcome o = Contest.run(List.of(jgrad, numpy, torch), 5, 0.4);
 * o.ratio(1).median();   // numpy's time / jgrad's time, median over the 5 rounds
 * }</pre>
 */
public final class Contest {
    private Contest() {}

    /** One side of the contest: jgrad (warmed up) or a peer (warmed up in its own process). */
    public interface Contestant {
        /** {@return the name reports use ("jgrad", "numpy", "torch")} */
        String name();

        /**
         * Times about {@code seconds} of samples.
         *
         * @param seconds the block's length
         * @return the samples
         * @throws Exception when the contestant cannot run; it is left out of later rounds
         */
        Timing.Block block(double seconds) throws Exception;
    }

    /**
     * What the rounds measured, per contestant in the order given (index 0 is the reference,
     * jgrad).
     *
     * @param times        per contestant, the spread of all its samples' per-call times
     * @param cpuPerWall   per contestant, CPU time / wall time over all its blocks (-1 unknown)
     * @param roundMedians per contestant, the median of each round's block (NaN where it did not run)
     * @param ratios       per contestant, the spread over rounds of its median / the reference's median
     *                     (index 0: all 1)
     * @param errors       per contestant, why it stopped, or ""
     */
    public record Outcome(List<Spread> times, List<Double> cpuPerWall, List<double[]> roundMedians, List<Spread> ratios,
            List<String> errors) {
        /** {@return contestant {@code i}'s per-call time spread} */
        public Spread time(int i) {
            return times.get(i);
        }

        /** {@return contestant {@code i}'s ratio spread (its time / the reference's, per round)} */
        public Spread ratio(int i) {
            return ratios.get(i);
        }
    }

    /**
     * Runs {@code rounds} rounds of one block per contestant, in the given order each round.
     *
     * @param contestants the reference first, then the peers
     * @param rounds      how many rounds, at least 1
     * @param blockSeconds each block's length
     * @return the samples' spreads and the per-round ratios
     * @throws IllegalArgumentException when there are no contestants or rounds is below 1
     */
    public static Outcome run(List<? extends Contestant> contestants, int rounds, double blockSeconds) {
        int k = contestants.size();
        if (k == 0 || rounds < 1) {
            throw new IllegalArgumentException("Contest.run: need at least one contestant and one round, got " + k + " and " + rounds);
        }
        List<List<Double>> samples = new ArrayList<>();
        double[][] medians = new double[k][rounds];
        long[] cpu = new long[k], wall = new long[k];
        String[] errors = new String[k];
        for (int i = 0; i < k; i++) {
            samples.add(new ArrayList<>());
            java.util.Arrays.fill(medians[i], Double.NaN);
            errors[i] = "";
        }
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < k; i++) {
                if (!errors[i].isEmpty()) continue;
                try {
                    Timing.Block b = contestants.get(i).block(blockSeconds);
                    for (double t : b.perCall()) samples.get(i).add(t);
                    medians[i][r] = Spread.of(b.perCall()).median();
                    cpu[i] = cpu[i] < 0 || b.cpuNanos() < 0 ? -1 : cpu[i] + b.cpuNanos();
                    wall[i] += b.wallNanos();
                } catch (Exception e) {
                    errors[i] = contestants.get(i).name() + " stopped in round " + (r + 1) + ": " + e;
                }
            }
        }
        List<Spread> times = new ArrayList<>();
        List<Double> cpuPerWall = new ArrayList<>();
        List<Spread> ratios = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            times.add(Spread.of(samples.get(i).stream().mapToDouble(Double::doubleValue).toArray()));
            cpuPerWall.add(cpu[i] < 0 || wall[i] == 0 ? -1.0 : cpu[i] / (double) wall[i]);
            ratios.add(ratios(medians[0], medians[i]));
        }
        return new Outcome(times, cpuPerWall, List.of(medians), ratios, List.of(errors));
    }

    /**
     * The per-round ratios {@code peer[r] / reference[r]} and their spread; rounds where either
     * side has no median (NaN) are left out.
     *
     * @param reference the reference's (jgrad's) per-round medians
     * @param peer      the peer's per-round medians, as many
     * @return the spread of the ratios ({@link Spread#NONE} when no round has both)
     * @throws IllegalArgumentException when the arrays differ in length
     */
    public static Spread ratios(double[] reference, double[] peer) {
        if (reference.length != peer.length) {
            throw new IllegalArgumentException("Contest.ratios: " + reference.length + " reference rounds but " + peer.length + " peer rounds");
        }
        double[] r = new double[reference.length];
        for (int i = 0; i < r.length; i++) r[i] = reference[i] > 0 ? peer[i] / reference[i] : Double.NaN;
        return Spread.of(r);
    }
}
