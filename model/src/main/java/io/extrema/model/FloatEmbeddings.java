package io.extrema.model;

/**
 * Java-heap copy of {@link Embeddings} for callers that do not hold NDArrays (serving, k-NN).
 *
 * @param instance [B][D] class tokens
 * @param meanTokens [B][D] mean-pooled patch tokens
 * @param projection [B][P] projector outputs
 * @param tokens [B][N·D] patch tokens, row-major per image
 */
public record FloatEmbeddings(float[][] instance, float[][] meanTokens, float[][] projection, float[][] tokens) {}
