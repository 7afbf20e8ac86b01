package io.runnel.log;

import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Which log a cleaner should clean next, as Kafka's cleaner manager chooses: the one with the
 * highest {@link PartitionLog#dirtyRatio dirty ratio} among those at or above their
 * {@code min.cleanable.dirty.ratio}.
 *
 * <p>Stateless; the logs are read without locks.
 */
public final class CleanerChoice {
    private CleanerChoice() {
    }

    /**
     * The key of the dirtiest log whose dirty ratio is positive and at least
     * {@code minCleanableDirtyRatio} of its key, or empty when none is.
     */
    public static <K> Optional<K> dirtiest(Map<K, PartitionLog> logs, ToDoubleFunction<K> minCleanableDirtyRatio) {
        K best = null;
        double bestRatio = 0;
        for (Map.Entry<K, PartitionLog> e : logs.entrySet()) {
            double ratio = e.getValue().dirtyRatio();
            if (ratio > 0 && ratio >= minCleanableDirtyRatio.applyAsDouble(e.getKey()) && ratio > bestRatio) {
                best = e.getKey();
                bestRatio = ratio;
            }
        }
        return Optional.ofNullable(best);
    }
}
