package io.runnel.consume;

import io.runnel.error.RunnelException;
import io.runnel.api.ProblemHandler;
import io.runnel.api.Problems;
import io.runnel.api.RawJsonWriter;
import io.runnel.config.RunnelExecutors;
import io.runnel.config.RunnelProperties;
import io.runnel.log.LogReadResult;
import io.runnel.log.RecordBatch;
import io.runnel.partition.HeldRead;
import io.runnel.partition.Partition;
import io.runnel.partition.PartitionWaits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Server-Sent Event streams of a partition's records: {@code id} = offset, {@code event: record},
 * {@code data} = the record's JSON (one line: stored values hold no newlines). A stream holds no
 * thread while idle: it is a {@link PartitionWaits} wait for its next record, and a small pool
 * ({@code runnel.threads.sse-senders}) sends what arrives; a stream whose topic is deleted ends
 * with an {@code error} event carrying the {@code 404} problem, and so does one ended early by its
 * {@link HeldRead} (a revoked key or ACL: the {@code 401} or {@code 403} problem).
 * A stream opens with a comment line, so the client gets the status and headers at once, and
 * every {@code runnel.fetch.sse-keep-alive} (15 s) each stream gets another so proxies keep it open.
 * A stream whose client is gone is dropped at the first send that fails (usually the second after
 * the client left: the first only draws the peer's reset), and its request is completed so the
 * container releases the connection.
 */
@Component
public class SseStreams implements DisposableBean {
    /** Tells EventSource clients to reconnect after this long when a stream ends. */
    static final long RECONNECT_MS = 1000;
    private static final int MAX_RECORDS_PER_TURN = 500;
    private static final int READ_BYTES = 256 * 1024;

    private final ExecutorService senders;
    private final ScheduledFuture<?> keepAlives;
    private final PartitionWaits waits;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final JsonMapper json;
    private final long maxDurationMs;

    public SseStreams(JsonMapper json, RunnelProperties props, PartitionWaits waits, RunnelExecutors executors) {
        this.json = json;
        this.waits = waits;
        this.senders = executors.sseSenders();
        this.maxDurationMs = props.fetch().sseMaxDuration().toMillis();
        long keepAliveMs = props.fetch().sseKeepAlive().toMillis();
        keepAlives = executors.sseKeepAlive().scheduleAtFixedRate(this::sendKeepAlives, keepAliveMs, keepAliveMs, TimeUnit.MILLISECONDS);
    }


    /** Opens a stream of {@code partition} from {@code offset} on. */
    public SseEmitter open(Partition partition, long offset) {
        return open(partition, offset, HeldRead.NONE);
    }

    /** Opens a stream of {@code partition} from {@code offset} on; {@code held} is told while it is open, and may end it. */
    public SseEmitter open(Partition partition, long offset, HeldRead held) {
        // A stream ends after runnel.fetch.sse-max-duration (clients resume with Last-Event-ID), so
        // no stream lives forever.
        SseEmitter emitter = new SseEmitter(maxDurationMs);
        try {
            // Spring commits the response at the first write: without one, a stream opened at the
            // tail of a quiet partition would send no status or headers until a record or keep-alive.
            emitter.send(SseEmitter.event().reconnectTime(RECONNECT_MS)
                    .comment("records of " + partition.topic() + "-" + partition.id() + " from offset " + offset));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // cannot happen: sends before the handler returns are only buffered
        }
        Stream stream = new Stream(partition, emitter, offset);
        streams.add(stream);
        emitter.onCompletion(stream::close);
        emitter.onError(e -> stream.close());
        emitter.onTimeout(stream::close);
        stream.released = held.held(stream::end);
        if (stream.closed) {
            stream.released.run(); // ended while it was being registered
        }
        stream.schedule();
        return emitter;
    }

    public int openStreams() {
        return streams.size();
    }

    private void sendKeepAlives() {
        for (Stream s : streams) {
            try {
                s.emitter.send(SseEmitter.event().comment("keep-alive"));
            } catch (IOException | IllegalStateException e) {
                s.clientGone();
            }
        }
    }

    /** One client's stream; its sends are serialized by the work counter (one sender at a time). */
    private final class Stream {
        final Partition partition;
        final SseEmitter emitter;
        final AtomicInteger work = new AtomicInteger();
        volatile PartitionWaits.Wait wait;
        volatile long nextOffset;
        volatile boolean closed;
        volatile boolean deleted;
        /** Why the stream must end now, if something ended it early. */
        volatile RuntimeException ended;
        volatile Runnable released = () -> { };

        Stream(Partition partition, SseEmitter emitter, long nextOffset) {
            this.partition = partition;
            this.emitter = emitter;
            this.nextOffset = nextOffset;
        }

        void schedule() {
            if (!closed && work.getAndIncrement() == 0) {
                senders.execute(this::drain);
            }
        }

        private void drain() {
            int missed = 1;
            while (!closed) {
                sendAvailable();
                missed = work.addAndGet(-missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        /** Sends up to one turn's worth of records, then waits for more or yields the sender. */
        private void sendAvailable() {
            try {
                if (ended != null) {
                    throw ended;
                }
                if (deleted) {
                    throw RunnelException.topicNotFound(partition.topic());
                }
                LogReadResult r = partition.log().read(nextOffset, READ_BYTES, MAX_RECORDS_PER_TURN);
                int sent = 0;
                for (RecordBatch batch : r.batches()) {
                    sent += send(batch, MAX_RECORDS_PER_TURN - sent);
                    if (sent >= MAX_RECORDS_PER_TURN) {
                        break;
                    }
                }
                if (sent > 0) {
                    schedule(); // more may be there; come back after other streams had a turn
                } else {
                    awaitNext();
                }
            } catch (IOException | IllegalStateException e) {
                clientGone();
            } catch (RuntimeException e) {
                RunnelException problem = ProblemHandler.toRunnelException(e);
                try {
                    emitter.send(SseEmitter.event().name("error").data(Problems.json(problem),
                            MediaType.APPLICATION_JSON));
                } catch (IOException | IllegalStateException ignored) {
                    // the client is gone as well
                }
                emitter.complete();
                close();
            }
        }

        private int send(RecordBatch batch, int max) throws IOException {
            int[] sent = {0};
            IOException[] failure = {null};
            batch.forEachRecord(nextOffset, (offset, timestamp, key, value, headers) -> {
                ByteArrayOutputStream data = new ByteArrayOutputStream(64 + RawJsonWriter.size(value));
                RawJsonWriter writer = new RawJsonWriter(data);
                writer.record(null, 0, offset, timestamp, key, value, headers);
                try {
                    writer.flush();
                    emitter.send(SseEmitter.event().id(Long.toString(offset)).name("record")
                            .data(data.toByteArray(), MediaType.APPLICATION_JSON));
                } catch (IOException e) {
                    failure[0] = e;
                    return false;
                }
                nextOffset = offset + 1;
                return ++sent[0] < max;
            });
            if (failure[0] != null) {
                throw failure[0];
            }
            return sent[0];
        }

        /** Waits, holding no thread, for a record at {@code nextOffset}, then sends again. */
        private void awaitNext() {
            PartitionWaits.Wait next = waits.awaitIndefinitely(List.of(PartitionWaits.highWatermarkBeyond(partition, nextOffset)),
                    outcome -> {
                        if (outcome == PartitionWaits.Outcome.DELETED) {
                            deleted = true;
                        }
                        if (outcome != PartitionWaits.Outcome.CANCELLED) {
                            schedule();
                        }
                    });
            wait = next;
            if (closed) {
                next.cancel(); // closed while it registered
            }
        }

        /** Ends the stream with {@code problem} as its last event, sent by the stream's sender. */
        void end(RuntimeException problem) {
            ended = problem;
            schedule();
        }

        void close() {
            closed = true;
            PartitionWaits.Wait current = wait;
            if (current != null) {
                current.cancel();
            }
            streams.remove(this);
            released.run();
        }

        /**
         * A send failed: the client went away. Completing the emitter ends the servlet async request,
         * so the container releases the connection now, not at the stream's maximum duration (the
         * container does not report a failed write of an idle async request by itself).
         */
        void clientGone() {
            close();
            try {
                emitter.complete();
            } catch (RuntimeException e) {
                // already completed
            }
        }

    }

    /** Ends every stream as soon as shutdown begins, so graceful shutdown does not wait for them. */
    @EventListener(ContextClosedEvent.class)
    void completeStreamsOnShutdown() {
        streams.forEach(s -> {
            s.close();
            try {
                s.emitter.complete();
            } catch (RuntimeException e) {
                // the response is already gone
            }
        });
    }

    @Override
    public void destroy() {
        completeStreamsOnShutdown();
        keepAlives.cancel(true);
    }
}
