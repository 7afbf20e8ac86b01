package io.runnel.log;

/** Callbacks from a {@link PartitionLog} to its owner; called on the appending thread, so keep them short. */
public interface LogListener {
    LogListener NONE = new LogListener() { };

    /** New records became visible below {@code highWatermark}. */
    default void onHighWatermark(long highWatermark) { }

    /** One fsync of a segment took {@code nanos}. */
    default void onFlush(long nanos) { }
}
