package io.runnel.log;

import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The producer state of one {@link PartitionLog}: for each producer id, the {@link ProducerBatch
 * last batch} it appended, kept for a window — what lets a leader append a producer's batch at most
 * once (Kafka's idempotent producer). A leader append of a batch whose producer id and sequence
 * match the last batch of that producer appends nothing and answers with that batch's offsets
 * ({@link AppendResult#duplicate}).
 *
 * <p>Layout: memory only, a map producer id → {@link ProducerBatch}, holding only batches that
 * are in the log: it is a cache of the batch headers ({@code producerId}, {@code producerEpoch},
 * {@code baseSequence}, see {@link RecordBatch}) of the segments that can hold batches inside the
 * window, so it travels to followers with the batches and every replica has the same one.
 * <ul>
 *   <li>Appends, the leader's and a follower's, record each batch with a producer once it is
 *       written (a failed write records nothing).</li>
 *   <li>{@link PartitionLog#truncateTo} forgets the batches at or above the cut, and finds each
 *       such producer's previous batch below the cut in the log again;
 *       {@link PartitionLog#truncateFullyAndStartAt} forgets everything.</li>
 *   <li>Retention forgets the batches below the new log start: a batch no longer in the log is
 *       not a duplicate.</li>
 *   <li>Expiry: a batch is forgotten once {@code now - timestamp > window}, where {@code now} is
 *       the injected clock and {@code timestamp} is the batch's largest record timestamp — or,
 *       while the log stays open, its append time when later (records may carry old timestamps).
 *       Expired entries are purged at most once per window.</li>
 * </ul>
 *
 * <p>Thread-safety: guarded by the partition's append lock; every method is called under it (or
 * before the log is shared, at open).
 *
 * <p>Crash: nothing is written; {@link #rebuild} reads, at each open (after recovery cut the log
 * at its first invalid byte), the headers of the segments whose largest timestamp is inside the
 * window, from the batch the segment's time index points to — so a torn or lost batch is not
 * remembered, and every batch recovery kept inside the window is. A batch whose records carry
 * timestamps older than the window is remembered only until the log is closed.
 */
final class ProducerStates {
    private final Map<Long, ProducerBatch> lastBatches = new HashMap<>();
    private final long windowMs;
    private final Clock clock;
    private long nextPurgeMs;

    ProducerStates(long windowMs, Clock clock) {
        if (windowMs < 1) {
            throw new IllegalArgumentException("producer state window must be at least 1 ms: " + windowMs);
        }
        this.windowMs = windowMs;
        this.clock = clock;
        this.nextPurgeMs = clock.millis() + windowMs;
    }

    /** The producer states of {@code segments} (oldest first): the last batch of each producer inside the window. */
    static ProducerStates rebuild(Segment[] segments, long windowMs, Clock clock) throws IOException {
        ProducerStates states = new ProducerStates(windowMs, clock);
        states.scan(segments, Long.MAX_VALUE, null);
        return states;
    }

    /** The last batch of {@code producerId}, if it is inside the window. */
    Optional<ProducerBatch> lastBatch(long producerId) {
        ProducerBatch last = lastBatches.get(producerId);
        return last == null || expired(last, clock.millis()) ? Optional.empty() : Optional.of(last);
    }

    /** The batch {@code batch} repeats — same producer id and sequence as that producer's last batch — if any. */
    Optional<ProducerBatch> duplicateOf(RecordBatch batch) {
        if (!batch.hasProducer()) {
            return Optional.empty();
        }
        return lastBatch(batch.producerId()).filter(last -> last.baseSequence() == batch.baseSequence());
    }

    /** Records {@code batch}, just written with its final offsets, as its producer's last batch. */
    void record(RecordBatch batch) {
        if (!batch.hasProducer()) {
            return;
        }
        long now = clock.millis();
        put(batch, Math.max(now, batch.maxTimestamp()));
        if (now >= nextPurgeMs) {
            lastBatches.values().removeIf(last -> expired(last, now));
            nextPurgeMs = now + windowMs;
        }
    }

    /**
     * After the log was cut at {@code end}: forgets the batches at or above it and remembers, for
     * each producer that lost its last batch, its previous one below the cut, read from
     * {@code segments} (the log after the cut).
     */
    void truncateFromEnd(long end, Segment[] segments) throws IOException {
        Set<Long> lost = new java.util.HashSet<>();
        lastBatches.values().removeIf(last -> last.lastOffset() >= end && lost.add(last.producerId()));
        if (!lost.isEmpty()) {
            scan(segments, end, lost);
        }
    }

    /** After retention moved the log start to {@code logStartOffset}: forgets the batches below it. */
    void truncateFromStart(long logStartOffset) {
        lastBatches.values().removeIf(last -> last.baseOffset() < logStartOffset);
    }

    void clear() {
        lastBatches.clear();
    }

    /** How many producers are remembered, expired or not; for tests. */
    int size() {
        return lastBatches.size();
    }

    /**
     * Remembers the last batch inside the window of each producer (of those in {@code only}, if
     * not null) among the batches of {@code segments} below {@code end}.
     */
    private void scan(Segment[] segments, long end, Set<Long> only) throws IOException {
        long since = clock.millis() - windowMs;
        for (Segment s : segments) {
            if (s.baseOffset() >= end) {
                break;
            }
            s.forEachHeaderSince(since, header -> {
                boolean wanted = header.hasProducer() && (only == null || only.contains(header.producerId()));
                if (wanted && header.lastOffset() < end && header.maxTimestamp() >= since) {
                    put(header, header.maxTimestamp());
                }
            });
        }
    }

    private void put(RecordBatch batch, long timestamp) {
        lastBatches.put(batch.producerId(), new ProducerBatch(batch.producerId(), batch.producerEpoch(), batch.baseSequence(),
                batch.baseOffset(), batch.lastOffset(), timestamp));
    }

    private boolean expired(ProducerBatch last, long now) {
        return now - last.timestamp() > windowMs;
    }
}
