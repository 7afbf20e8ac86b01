package io.runnel.log;

/**
 * Callbacks from a {@link PartitionLog} to its owner; called on the appending thread, so keep them short.
 *
 * <p>They are called while the log holds its append lock, its flush lock or both (that keeps them
 * in order), never its view lock (see the lock hierarchy in {@link PartitionLog}). So a callback
 * may read the log and set its high-watermark cap, but must not append to, flush, truncate, trim
 * or close it: that would take a lock out of order.
 */
public interface LogListener {
    LogListener NONE = new LogListener() { };

    /** New records became visible below {@code highWatermark}. */
    default void onHighWatermark(long highWatermark) { }

    /** The durable end (what followers may fetch) advanced to {@code durableEnd}. */
    default void onDurableEnd(long durableEnd) { }

    /** One fsync of a segment took {@code nanos}. */
    default void onFlush(long nanos) { }
}
