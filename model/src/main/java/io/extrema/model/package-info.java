/** The ExtreMA network as DJL blocks, masking, loss, optimiser and schedules, checkpoints, image preprocessing and augmentation, k-NN and linear-probe evaluation. Knows nothing of Kafka. */
package io.extrema.model;
