package dev.jgrad.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Times one case in jgrad and in the peers: warms jgrad up, has the peers build and warm up the
 * same case, then runs {@link Contest} rounds — a block of jgrad, a block of each peer — and
 * turns the outcome into jgrad's {@link Timing.Result} and the peers' {@link Peers.Times}.
 *
 * <pre>{@code
 * CaseTimer.Timed t = CaseTimer.time(w, w.build(), budget, peers);
 * t.peers().torch().ratio().median();   // PyTorch time / jgrad time, median over the rounds
 * }</pre>
 */
final class CaseTimer {
    private CaseTimer() {}

    /**
     * A case's figures.
     *
     * @param jgrad jgrad's timing
     * @param peers the peers' timings and ratios
     */
    record Timed(Timing.Result jgrad, Peers.Times peers) {}

    static Timed time(Workload w, Workload.Body body, Timing.Budget budget, Peers peers) {
        Timing.Warm warm = Timing.warmUp(body, budget);
        System.gc();   // the peers' warm-up does not run beside this one's garbage
        Map<String, Map<String, Object>> ready = peers.prepare(w);

        List<Contest.Contestant> contestants = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (!warm.single()) {
            contestants.add(jgrad(body, warm.callsPerSample()));
            names.add("jgrad");
        }
        ready.forEach((name, info) -> {
            if (!Boolean.TRUE.equals(info.get("single"))) {
                contestants.add(peers.contestant(name));
                names.add(name);
            }
        });
        // Without jgrad in the rounds (its one call exceeded the budget) the peers get one round each.
        Contest.Outcome o = contestants.isEmpty() ? null
                : Contest.run(contestants, warm.single() ? 1 : budget.rounds(), budget.measureSeconds() / (warm.single() ? 1 : budget.rounds()));
        Timing.Result jr = warm.single() ? Timing.single(warm, budget)
                : new Timing.Result(o.time(0), warm.callsPerSample(), o.cpuPerWall().get(0), warm, o.errors().get(0));

        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("id", w.id());
        raw.put("jgrad_warmup", warm.describe());
        raw.put("ready", ready);
        if (!peers.lastErrors().isEmpty()) raw.put("errors", peers.lastErrors());
        Map<String, Peers.PeerTime> byName = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Object>> e : ready.entrySet()) {
            String name = e.getKey();
            Map<String, Object> info = e.getValue();
            boolean settled = Boolean.TRUE.equals(info.get("settled"));
            int i = names.indexOf(name);
            if (i < 0) {   // the peer's cold call exceeded the budget
                double cold = info.get("cold_s") instanceof Number n ? n.doubleValue() : Double.NaN;
                byName.put(name, new Peers.PeerTime(Spread.of(cold), Double.NaN, Spread.of(cold / jr.medianSeconds()), true, "1 cold call"));
                continue;
            }
            Spread ratio = warm.single() ? Spread.of(o.time(i).median() / jr.medianSeconds()) : o.ratio(i);
            byName.put(name, new Peers.PeerTime(o.time(i), o.cpuPerWall().get(i), ratio, settled, o.errors().get(i)));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("round_medians_s", toList(o.roundMedians().get(i)));
            if (!warm.single()) r.put("round_medians_jgrad_s", toList(o.roundMedians().get(0)));
            r.put("ratio_median", Double.isNaN(ratio.median()) ? null : ratio.median());
            raw.put(name, r);
        }
        peers.release();
        Peers.Times times = new Peers.Times(byName.getOrDefault("numpy", Peers.PeerTime.NONE), byName.getOrDefault("torch", Peers.PeerTime.NONE),
                ready.isEmpty() ? null : raw);
        return new Timed(jr, times);
    }

    /** jgrad as a contestant: blocks of {@code inner}-call samples of the warmed-up body. */
    static Contest.Contestant jgrad(Workload.Body body, int inner) {
        return new Contest.Contestant() {
            @Override
            public String name() {
                return "jgrad";
            }

            @Override
            public Timing.Block block(double seconds) {
                return Timing.block(body, inner, seconds);
            }
        };
    }

    private static List<Object> toList(double[] v) {
        List<Object> l = new ArrayList<>();
        for (double d : v) l.add(Double.isNaN(d) ? null : d);
        return l;
    }
}
