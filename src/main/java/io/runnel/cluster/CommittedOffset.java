package io.runnel.cluster;

/**
 * A consumer group's committed position in one partition.
 *
 * @param offset   the next offset the group will read
 * @param metadata the client's note, {@code ""} when none
 */
public record CommittedOffset(long offset, String metadata) {
    public CommittedOffset {
        metadata = metadata == null ? "" : metadata;
    }
}
