package io.extrema.trainer.checkpoint;

import io.extrema.trainer.offsets.PartitionPosition;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * What the trainer keeps next to the model in a checkpoint.
 *
 * @param step              optimiser steps taken; the schedules continue from here
 * @param modelName         lineage the versions belong to
 * @param publishedVersions model versions still on the models topic, with their chunk counts (for tombstones)
 * @param imagesTrained     images trained in total (counting reuse)
 * @param replayCredit      images the replay buffer could still draw before waiting for new arrivals
 * @param offsets           per partition, which records the weights reflect
 */
public record TrainerState(
        long step,
        String modelName,
        SortedMap<Long, Integer> publishedVersions,
        long imagesTrained,
        double replayCredit,
        Map<TopicPartition, PartitionPosition> offsets) {
    public TrainerState {
        publishedVersions = new TreeMap<>(publishedVersions);
        offsets = Map.copyOf(offsets);
    }

    public long lastVersion() {
        return publishedVersions.isEmpty() ? 0 : publishedVersions.lastKey();
    }
}
