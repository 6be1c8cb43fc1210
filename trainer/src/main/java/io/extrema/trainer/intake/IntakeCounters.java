package io.extrema.trainer.intake;

import java.util.concurrent.atomic.AtomicLong;

/** What the intake has done since start; read by metrics. */
public final class IntakeCounters {
    /** Records read from the images topic and handed to the decode workers. */
    public final AtomicLong consumed = new AtomicLong();
    /** Records decoded into the replay buffer (or dropped by its policy). */
    public final AtomicLong decoded = new AtomicLong();
    /** Records sent to the dead-letter topic. */
    public final AtomicLong deadLettered = new AtomicLong();
    /** Records read again after a restart and not trained because the checkpoint reflects them (refills included). */
    public final AtomicLong skippedReflected = new AtomicLong();
    /** Sum of the consumer lag over the assigned partitions at the last poll. */
    public final AtomicLong lag = new AtomicLong();
}
