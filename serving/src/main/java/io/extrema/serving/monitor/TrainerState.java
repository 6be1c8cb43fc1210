package io.extrema.serving.monitor;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * What the trainer rules remember per model: the current version and since when, the last staleness alert, the
 * recent consumer lags and whether the lag was already reported growing (so it is reported once per episode).
 */
record TrainerState(long version, long versionSince, long staleAlertAt, boolean lagReported, long[] lags) {

    static TrainerState first(long version, long time) {
        return new TrainerState(version, time, Long.MIN_VALUE, false, new long[0]);
    }

    TrainerState withReport(long reportedVersion, long time, long lag, int keep) {
        long[] recent = Arrays.copyOfRange(lags, Math.max(0, lags.length - keep + 1), lags.length + 1);
        recent[recent.length - 1] = lag;
        boolean changed = reportedVersion != version;
        return new TrainerState(
                reportedVersion,
                changed ? time : versionSince,
                changed ? Long.MIN_VALUE : staleAlertAt,
                lagReported,
                recent);
    }

    /** Lag rose in each of the last {@code reports} reports (which needs {@code reports + 1} lags kept). */
    boolean lagGrowing(int reports) {
        if (lags.length < reports + 1) {
            return false;
        }
        for (int i = lags.length - reports; i < lags.length; i++) {
            if (lags[i] <= lags[i - 1]) {
                return false;
            }
        }
        return true;
    }

    long latestLag() {
        return lags.length == 0 ? 0 : lags[lags.length - 1];
    }

    TrainerState withLagReported(boolean reported) {
        return new TrainerState(version, versionSince, staleAlertAt, reported, lags);
    }

    TrainerState withStaleAlertAt(long time) {
        return new TrainerState(version, versionSince, time, lagReported, lags);
    }

    static final Serde<TrainerState> SERDE = Serdes.serdeFrom(
            (topic, s) -> {
                if (s == null) {
                    return null;
                }
                ByteBuffer b = ByteBuffer.allocate(29 + 8 * s.lags.length);
                b.putLong(s.version)
                        .putLong(s.versionSince)
                        .putLong(s.staleAlertAt)
                        .put((byte) (s.lagReported ? 1 : 0));
                b.putInt(s.lags.length);
                for (long lag : s.lags) {
                    b.putLong(lag);
                }
                return b.array();
            },
            (topic, bytes) -> {
                if (bytes == null) {
                    return null;
                }
                ByteBuffer b = ByteBuffer.wrap(bytes);
                long version = b.getLong(), since = b.getLong(), staleAt = b.getLong();
                boolean reported = b.get() == 1;
                long[] lags = new long[b.getInt()];
                for (int i = 0; i < lags.length; i++) {
                    lags[i] = b.getLong();
                }
                return new TrainerState(version, since, staleAt, reported, lags);
            });
}
