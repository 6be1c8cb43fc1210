package io.extrema.trainer.offsets;

import org.apache.kafka.common.TopicPartition;

/** Where a record was read: its partition and offset. */
public record RecordPosition(TopicPartition partition, long offset) {}
