package io.extrema.model.bench;

import io.extrema.model.ExtremaModel;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.StepResult;
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
                int b = batch.size();
                int chw = batch.get(0).pair().online().length;
                float[] online = new float[b * chw];
                float[] target = new float[b * chw];
                for (int i = 0; i < b; i++) {
                    System.arraycopy(batch.get(i).pair().online(), 0, online, i * chw, chw);
                    System.arraycopy(batch.get(i).pair().target(), 0, target, i * chw, chw);
                }
                return trainer.step(online, target, b);
            }

            @Override
            public void close() {
                trainer.close();
            }
        };
    }
}
