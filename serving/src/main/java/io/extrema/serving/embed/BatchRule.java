package io.extrema.serving.embed;

import java.time.Duration;

/**
 * When a stream thread cuts a batch and when it commits what the batch forwarded.
 *
 * @param size          images per batch, at most; a full batch runs at once
 * @param linger        how long the oldest waiting image waits for its batch to fill while the thread keeps up
 * @param maxWait       how long it waits in any case; a thread whose newest image is older than this is behind
 * @param commitSpacing least time between the commits the thread requests after forwarding, while it keeps up
 */
public record BatchRule(int size, Duration linger, Duration maxWait, Duration commitSpacing) {}
