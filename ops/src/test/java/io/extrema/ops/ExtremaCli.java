package io.extrema.ops;

import java.util.List;

/** Runs an {@code extrema} command line in the test JVM, as the launcher would, printing to this JVM's streams. */
public final class ExtremaCli {
    private ExtremaCli() {}

    public static int run(String... args) {
        return Extrema.run(List.of(args), System.getenv(), System.out, System.err);
    }
}
