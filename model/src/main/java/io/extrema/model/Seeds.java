package io.extrema.model;

/** The one place that derives a generator's seed from a run's seed and a counter (a step, an attempt). */
public final class Seeds {

    /**
     * 2^64/φ, the Weyl increment {@link java.util.SplittableRandom} itself steps by: multiplying the run's seed by it
     * puts the counters of nearby seeds (1, 2, 42) far apart, so (seed, counter) pairs do not share generators.
     */
    public static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private Seeds() {}

    public static long derive(long seed, long counter) {
        return seed * GOLDEN_GAMMA + counter;
    }

    /** How {@link #derive} combines the seed with the named counter, as checkpoint headers record it. */
    public static String formula(String counter) {
        return "seed*0x" + Long.toHexString(GOLDEN_GAMMA).toUpperCase() + "+" + counter;
    }
}
