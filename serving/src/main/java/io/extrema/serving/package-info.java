/** Kafka Streams topologies: images to embeddings with live model swap, and embedding statistics to the monitor topic. */
package io.extrema.serving;
