package io.extrema.model;

import ai.djl.ndarray.NDArray;

/**
 * What the encoder says about a batch of images, all after the final LayerNorm. Attached to the manager of the
 * images that were embedded; closing that manager frees them.
 *
 * @param instance class token after class attention [B, D]: the instance representation
 * @param tokens patch tokens [B, N, D]: the distributed representation
 * @param projection projector output [B, P] (what the BYOL loss compares)
 */
public record Embeddings(NDArray instance, NDArray tokens, NDArray projection) {

    /** Mean of the patch tokens [B, D], a k-NN feature to compare with the class token. */
    public NDArray meanTokens() {
        return tokens.mean(new int[] {1});
    }
}
