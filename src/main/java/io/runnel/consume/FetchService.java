package io.runnel.consume;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.log.LogReadResult;
import io.runnel.partition.HeldRead;
import io.runnel.partition.Partition;
import io.runnel.partition.PartitionRouter;
import io.runnel.partition.PartitionWaits;
import io.runnel.topic.TrafficMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Service;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * Stateless reads by offset, with long polling. A waiting fetch is a {@link DeferredResult} plus a
 * {@link PartitionWaits} wait on the partition: no thread waits. When the high watermark moves the
 * wait reads on a wake-up thread and completes the deferred result; when {@code waitMs} runs out,
 * the fetch answers with no records.
 */
@Service
public class FetchService {
    private final PartitionRouter router;
    private final TrafficMetrics metrics;
    private final PartitionWaits waits;

    public FetchService(PartitionRouter router, TrafficMetrics metrics, PartitionWaits waits) {
        this.router = router;
        this.metrics = metrics;
        this.waits = waits;
    }

    /** Where a fetch starts: a number, or one of the words earliest and latest. */
    public long resolveOffset(Partition partition, String offset) {
        return switch (offset) {
            case "earliest" -> partition.log().logStartOffset();
            case "latest" -> partition.log().highWatermark();
            default -> {
                try {
                    long value = Long.parseLong(offset);
                    if (value < 0) {
                        throw new NumberFormatException();
                    }
                    yield value;
                } catch (NumberFormatException e) {
                    throw new RunnelException(ErrorCode.INVALID_PARAMETER,
                            "'offset' must be a non-negative whole number, earliest or latest; got '" + offset + "'")
                            .with("parameter", "offset");
                }
            }
        };
    }

    /** Reads now, without waiting. */
    public FetchResponse read(Partition partition, long offset, int limit, int maxBytes) {
        long started = System.nanoTime();
        TrafficMetrics.TopicMeters meters = metrics.of(partition.topic());
        try {
            LogReadResult r = partition.log().read(offset, maxBytes, limit);
            return new FetchResponse(partition.topic(), partition.id(), r.batches(), offset, limit, r.highWatermark(),
                    r.logStartOffset(), meters);
        } catch (io.runnel.log.LogException.OffsetOutOfRange e) {
            if (offset > e.highWatermark() && offset <= partition.log().durableEnd()) {
                // Written here but not yet known to be on every in-sync replica (a new leader's high
                // watermark catches up at its followers' first fetches): nothing to read yet, as at
                // the high watermark, rather than out of range (Kafka: OFFSET_NOT_AVAILABLE, retriable).
                return new FetchResponse(partition.topic(), partition.id(), List.of(), offset, limit, e.highWatermark(),
                        e.logStartOffset(), meters);
            }
            throw new RunnelException(ErrorCode.OFFSET_OUT_OF_RANGE, e.getMessage()).with("topic", partition.topic())
                    .with("partition", partition.id()).with("offset", offset)
                    .with("logStartOffset", e.logStartOffset()).with("highWatermark", e.highWatermark());
        } finally {
            meters.fetchLatency().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Reads now if records are there or {@code waitMs} is 0; otherwise answers when records arrive
     * or the time is up. Returns a {@link FetchResponse} or a {@link DeferredResult} of one.
     */
    public Object fetch(Partition partition, long offset, int limit, int maxBytes, long waitMs) {
        return fetch(partition, offset, limit, maxBytes, waitMs, HeldRead.NONE);
    }

    /** As {@link #fetch(Partition, long, int, int, long)}; {@code held} is told when the read is held, and may end it early. */
    public Object fetch(Partition partition, long offset, int limit, int maxBytes, long waitMs, HeldRead held) {
        FetchResponse now = read(partition, offset, limit, maxBytes);
        if (now.hasRecords() || waitMs <= 0) {
            return now;
        }
        // The wait answers at waitMs; the container's timeout is only a backstop behind it.
        DeferredResult<FetchResponse> deferred = new DeferredResult<>(waitMs + PartitionWaits.ANSWER_GRACE.toMillis());
        PartitionWaits.Wait wait = waits.await(List.of(PartitionWaits.highWatermarkBeyond(partition, offset)), Duration.ofMillis(waitMs),
                outcome -> {
                    if (outcome != PartitionWaits.Outcome.CANCELLED) {
                        complete(deferred, partition, offset, limit, maxBytes);
                    }
                });
        Runnable released = held.held(deferred::setErrorResult);
        deferred.onCompletion(() -> {
            wait.cancel();
            released.run();
        });
        return deferred;
    }

    private void complete(DeferredResult<FetchResponse> deferred, Partition partition, long offset, int limit, int maxBytes) {
        try {
            checkStillLed(partition);
            deferred.setResult(read(partition, offset, limit, maxBytes));
        } catch (RuntimeException e) {
            deferred.setErrorResult(e);
        }
    }

    /**
     * A held read answers for the log it waited on only if that log still serves the partition:
     * {@code 404} when the topic was deleted meanwhile (deletion wakes every waiter), {@code 503}
     * when leadership moved, rather than an empty answer from a log that no longer exists.
     */
    private void checkStillLed(Partition partition) {
        if (router.local(partition.topic(), partition.id()) != partition) {
            throw RunnelException.topicNotFound(partition.topic()); // deleted and created again while the read waited
        }
    }

    /** The first offset whose timestamp is ≥ {@code timestamp}; the high watermark if none. */
    public long offsetForTimestamp(Partition partition, long timestamp) {
        return partition.log().offsetForTimestamp(timestamp);
    }
}
