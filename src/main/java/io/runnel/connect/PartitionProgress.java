package io.runnel.connect;

/**
 * Where a task stands on one partition it reads (sink) or copies (source).
 *
 * @param topic      the topic read (sink: of this cluster; source: of the other system)
 * @param position   the next offset to deliver or copy, as committed
 * @param lag        records behind the partition's end, as last seen; {@code null} when not yet known
 * @param error      the last delivery error on this partition, {@code null} when the last attempt succeeded
 * @param lagSeconds how far behind in time (now minus the timestamp of the oldest record seen and not yet copied;
 *                   0 when caught up); {@code null} when the task does not know (sinks)
 */
public record PartitionProgress(String topic, int partition, long position, Long lag, String error, Long lagSeconds) {

    /** Progress without a lag in time. */
    public PartitionProgress(String topic, int partition, long position, Long lag, String error) {
        this(topic, partition, position, lag, error, null);
    }
}
