package io.extrema.model.bench;

import io.extrema.model.ExtremaModel;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.StepResult;
import io.extrema.model.augment.ViewPair;
import java.util.List;

/**
 * What a {@link LearningRun} trains: one step per batch of view pairs. The run scores the target encoder of {@link
 * #model()}, so every learner is measured by the same k-NN on the same features.
 */
interface Learner extends AutoCloseable {

    ExtremaModel model();

    StepResult step(List<ViewPairFeed.Fed> batch);

    @Override
    void close();

    /** The method itself: the ExtreMA step on each image's two views; labels never reach it. */
    static Learner extrema(ExtremaTrainer trainer) {
        return new Learner() {
            @Override
            public ExtremaModel model() {
                return trainer.model();
            }

            @Override
            public StepResult step(List<ViewPairFeed.Fed> batch) {
                return trainer.step(
                        ViewPairFeed.Fed.stacked(batch, ViewPair::online),
                        ViewPairFeed.Fed.stacked(batch, ViewPair::target),
                        batch.size());
            }

            @Override
            public void close() {
                trainer.close();
            }
        };
    }
}
