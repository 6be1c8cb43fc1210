package io.extrema.model.bench;

/** Which frozen feature feeds k-NN: issue 4 compares them. */
public enum FeatureKind {
    /** Class token after class attention: the paper's instance representation. */
    CLASS_TOKEN("cls"),
    /** Mean of the patch tokens after the final LayerNorm. */
    MEAN_TOKENS("mean");

    private final String shortName;

    FeatureKind(String shortName) {
        this.shortName = shortName;
    }

    public String shortName() {
        return shortName;
    }
}
