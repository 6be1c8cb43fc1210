package io.extrema.model.augment;

/**
 * The two views of one image for an ExtreMA step: same crop and flip, independent colour augmentation.
 * Each is a normalised CHW float image of 3 x size x size values.
 *
 * @param online the view the online branch masks
 * @param target the view the target (EMA) branch sees whole
 */
public record ViewPair(float[] online, float[] target) {}
