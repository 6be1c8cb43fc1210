package io.extrema.model;

import ai.djl.ndarray.NDArray;

/**
 * What the encoder says about a batch of images, after the final LayerNorm but for {@code instanceBeforeNorm}.
 * Attached to the manager of the images that were embedded; closing that manager frees them.
 *
 * @param instance class token after class attention [B, D]: the instance representation
 * @param tokens patch tokens [B, N, D]: the distributed representation
 * @param projection projector output [B, P] (what the BYOL loss compares)
 * @param instanceBeforeNorm the class token before the final LayerNorm [B, D] (what the official code probes)
 */
public record Embeddings(NDArray instance, NDArray tokens, NDArray projection, NDArray instanceBeforeNorm) {

    /** Mean of the patch tokens [B, D], a k-NN feature to compare with the class token. */
    public NDArray meanTokens() {
        return tokens.mean(new int[] {1});
    }
}
