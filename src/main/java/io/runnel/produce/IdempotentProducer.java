package io.runnel.produce;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The producer an {@code Idempotency-Key} stands for: every partition batch of a request that
 * carries key K on topic T is stamped with this producer id, epoch and sequence, so each
 * partition's leader appends it at most once (see {@code io.runnel.log.ProducerStates}) — on any
 * instance and after a failover, since the producer state travels with the batches.
 *
 * <ul>
 *   <li>{@code producerId}: the first 8 bytes of SHA-256(T, 0x00, K), sign bit cleared — the same
 *       on every instance, never negative, so never -1 (no producer);</li>
 *   <li>{@code producerEpoch}: the request's {@code acks} (0 all, 1 leader, 2 none), so that a
 *       replay with other acks is recognised as a different request;</li>
 *   <li>{@code sequence}: 0 — one request per key.</li>
 * </ul>
 *
 * @param producerId    never negative
 * @param producerEpoch the acks code
 * @param sequence      always 0
 */
record IdempotentProducer(long producerId, short producerEpoch, int sequence) {

    /** The producer of key {@code key} on {@code topic}, for a request with {@code acks} (all, leader or none). */
    static IdempotentProducer of(String topic, String key, String acks) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        sha256.update(topic.getBytes(StandardCharsets.UTF_8));
        sha256.update((byte) 0);
        byte[] digest = sha256.digest(key.getBytes(StandardCharsets.US_ASCII));
        long id = ByteBuffer.wrap(digest).getLong() & Long.MAX_VALUE;
        short epoch = switch (acks) {
            case "all" -> 0;
            case "leader" -> 1;
            case "none" -> 2;
            default -> throw new IllegalArgumentException("acks " + acks);
        };
        return new IdempotentProducer(id, epoch, 0);
    }

    /**
     * Where the round-robin of the request's null-key records starts: derived from the key, so a
     * replay on any instance places them in the same partitions.
     */
    int roundRobinStart(int partitions) {
        return (int) (producerId % partitions);
    }
}
