package io.extrema.trainer.intake;

import io.extrema.trainer.offsets.OffsetLedger;
import io.extrema.trainer.replay.ReplayBuffer;

/**
 * The trainer's input side, shared by the intake's threads, the training loop and what reports on them: the images
 * buffered, the records not yet reflected in the weights, and the intake's counters.
 */
public record IntakeState(ReplayBuffer buffer, OffsetLedger ledger, IntakeCounters counters) {}
