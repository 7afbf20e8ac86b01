package io.runnel.log;

/**
 * Where a leader epoch ends in a log, as Kafka's OffsetsForLeaderEpoch answers it (KIP-101,
 * KIP-279): the largest epoch known to the log that is at most the one asked for, and the first
 * offset after it (the start offset of the next larger epoch, or the log end offset when it is the
 * latest). {@link #UNDEFINED} when the log knows no epoch at or below the one asked for.
 *
 * @param epoch     the epoch found, or -1
 * @param endOffset the offset where that epoch ends, or -1
 */
public record EpochEndOffset(int epoch, long endOffset) {
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(-1, -1);

    public boolean isUndefined() {
        return epoch < 0;
    }
}
