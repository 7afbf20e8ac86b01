package io.runnel.config;

/**
 * When a follower reports a copied batch to its leader ({@code runnel.replication.follower-flush}),
 * which is when the batch counts towards the high watermark and so towards an {@code acks=all}
 * acknowledgement. Only matters under {@code runnel.storage.flush=always}: under the other flush
 * policies a follower's written end is its durable end anyway.
 * <ul>
 *   <li>{@link #SYNC} (default): after the follower has fsynced it. An acknowledged record is on the
 *       disks of at least {@code min.insync.replicas} replicas and survives their simultaneous power
 *       loss.</li>
 *   <li>{@link #ASYNC}: once the follower has written it (page cache); a background thread fsyncs it
 *       shortly after. An acknowledged record survives any process crash (the page cache outlives the
 *       process) and the loss of any one machine, but a simultaneous power loss of every in-sync
 *       replica can lose acknowledged records the followers had not fsynced yet: Kafka's trade-off
 *       ({@code acks=all} without a per-message flush). The leader still fsyncs before it counts its
 *       own copy.</li>
 * </ul>
 */
public enum FollowerFlush {
    SYNC, ASYNC
}
