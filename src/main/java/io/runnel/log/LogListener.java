package io.runnel.log;

/** Callbacks from a {@link PartitionLog} to its owner; called on the appending thread, so keep them short. */
public interface LogListener {
    LogListener NONE = new LogListener() { };

    /** New records became visible below {@code highWatermark}. */
    default void onHighWatermark(long highWatermark) { }

    /** The durable end (what followers may fetch) advanced to {@code durableEnd}. */
    default void onDurableEnd(long durableEnd) { }

    /** One fsync of a segment took {@code nanos}. */
    default void onFlush(long nanos) { }
}
