package io.runnel.replication;

import io.runnel.config.FollowerFlush;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * The follower fetch exchange, {@code POST /internal/replication/fetch}: one call per
 * follower→leader pair covers every partition they share.
 *
 * <p>Request: JSON {@link Request}. Response: {@code application/octet-stream}, a 4-byte big-endian
 * length, that many bytes of JSON {@link Header}, then the raw batches of each partition whose
 * {@link PartitionAnswer#bytes} is above zero, in the header's order. Batches travel exactly as
 * the leader's log holds them (offsets, leader epochs, CRCs), never re-encoded.
 */
final class ReplicaFetch {
    private ReplicaFetch() {
    }

    /**
     * @param follower    the fetching instance
     * @param incarnation the follower process's incarnation ({@code MetadataCommand.InstanceHeartbeat}):
     *                    a fetch from an earlier process of the same instance (a request still in
     *                    flight when it died) is fenced, so it cannot vouch for the restarted one
     * @param waitMs      how long the leader may hold the call when it has nothing new (0–30000)
     */
    record Request(String follower, long incarnation, long waitMs, int maxBytesPerPartition, List<PartitionRequest> partitions) {
    }

    /**
     * @param leaderEpoch      the epoch the follower believes the leader has; a leader at another epoch answers {@code FENCED}
     * @param fetchOffset      the follower's end ({@code ReplicaFetchers.reportedEnd}): everything below it is on the
     *                         follower's disk ({@link FollowerFlush#SYNC}) or written to its page cache ({@link FollowerFlush#ASYNC})
     * @param lastFetchedEpoch the epoch of the follower's last batch (-1 if empty): the leader checks it for divergence
     */
    record PartitionRequest(String topic, int partition, int leaderEpoch, long fetchOffset, int lastFetchedEpoch) {
    }

    /** Outcomes of one partition besides data. */
    enum Error {
        /** The answering instance does not lead the partition at the requested epoch (either side's metadata is stale). */
        FENCED,
        /** The fetch offset is below the leader's log start offset: the follower starts afresh at {@code logStartOffset}. */
        OFFSET_OUT_OF_RANGE,
        /** The topic or partition does not exist here. */
        UNKNOWN_PARTITION
    }

    /** Where the follower's log diverges: it must truncate to {@code endOffset} of {@code epoch} (KIP-320). */
    record Diverging(int epoch, long endOffset) {
    }

    /**
     * @param error          set instead of data when the partition cannot be served
     * @param diverging      set when the follower's last fetched epoch ends earlier on the leader
     * @param highWatermark  the leader's high watermark
     * @param logStartOffset the leader's log start offset
     * @param bytes          how many bytes of batches follow for this partition
     */
    record PartitionAnswer(String topic, int partition, Error error, Diverging diverging, long highWatermark,
                           long logStartOffset, int bytes) {
    }

    record Header(List<PartitionAnswer> partitions) {
    }

    /** A decoded response: each answer with its batch bytes (empty when none). */
    record Response(List<PartitionAnswer> answers, List<ByteBuffer> data) {
    }

    static byte[] encode(JsonMapper json, List<PartitionAnswer> answers, List<byte[]> data) {
        byte[] header = json.writeValueAsBytes(new Header(answers));
        ByteArrayOutputStream out = new ByteArrayOutputStream(4 + header.length + data.stream().mapToInt(d -> d.length).sum());
        out.writeBytes(ByteBuffer.allocate(4).putInt(header.length).array());
        out.writeBytes(header);
        data.forEach(out::writeBytes);
        return out.toByteArray();
    }

    static Response decode(JsonMapper json, byte[] body) {
        ByteBuffer buffer = ByteBuffer.wrap(body);
        int headerLength = buffer.getInt();
        if (headerLength < 0 || headerLength > body.length - 4) {
            throw new IllegalStateException("malformed replica fetch response: header length " + headerLength);
        }
        Header header = json.readValue(body, 4, headerLength, Header.class);
        List<ByteBuffer> data = new ArrayList<>();
        int position = 4 + headerLength;
        for (PartitionAnswer a : header.partitions()) {
            if (a.bytes() < 0 || position + a.bytes() > body.length) {
                throw new IllegalStateException("malformed replica fetch response: " + a.bytes() + " bytes of "
                        + a.topic() + "-" + a.partition() + " at " + position + " of " + body.length);
            }
            data.add(ByteBuffer.wrap(body, position, a.bytes()).slice());
            position += a.bytes();
        }
        return new Response(header.partitions(), data);
    }
}
