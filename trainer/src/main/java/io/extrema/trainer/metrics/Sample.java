package io.extrema.trainer.metrics;

/** One Prometheus sample: a metric name, its kind ({@code counter} or {@code gauge}), a help line and the value. */
public record Sample(String name, String kind, String help, double value) {}
