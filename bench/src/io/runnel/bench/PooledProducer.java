package io.runnel.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The latency producer over a fixed number of connections ({@code --latency-connections}), as a
 * client library's producer works: the schedule releases record {@code i} at
 * {@code t0 + i * period}; one of the sender threads sends it, one record per request, as soon as
 * it is free. The record carries its scheduled time, and both latencies count from it, so time
 * spent waiting for a free connection is measured (no coordinated omission).
 *
 * <p>The calling thread keeps the schedule; each sender thread has its own {@link RawHttp} (or
 * shares the given HttpClient with {@code --latency-client jdk}) and writes only its records'
 * {@link Arrivals#ack} entries.
 */
final class PooledProducer {
    private final Run run;
    private final HttpClient producer;
    private final URI uri;
    private final Arrivals arrivals;
    private final long period;
    /** Sequence numbers of the records released by the schedule; -1 stops a sender. */
    private final BlockingQueue<Integer> due = new LinkedBlockingQueue<>();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);

    /**
     * @param producer the client of {@code --latency-client jdk}, shared by the senders
     * @param uri      the produce URI ({@code POST …/partitions/0/records?acks=…})
     * @param period   nanoseconds between two records of the schedule
     */
    PooledProducer(Run run, HttpClient producer, URI uri, Arrivals arrivals, long period) {
        this.run = run;
        this.producer = producer;
        this.uri = uri;
        this.arrivals = arrivals;
        this.period = period;
    }

    /** Sends records 0 to total-1 on schedule; the figures count from record warm on. */
    LatencyScenario.Sends send(int warm) throws InterruptedException {
        Options o = run.options;
        AtomicInteger maxOutstanding = new AtomicInteger();
        List<Thread> senders = new ArrayList<>();
        for (int c = 0; c < o.latencyConnections(); c++) {
            Thread t = new Thread(this::sender, "latency-sender-" + c);
            t.setDaemon(true);
            t.start();
            senders.add(t);
        }
        Cpu cpu = null;
        long maxLag = 0;
        for (int i = 0; i < arrivals.total; i++) {
            long target = t0 + i * period;
            LatencyScenario.parkUntil(target);
            if (i == warm) {
                cpu = run.cpu();
            }
            maxLag = Math.max(maxLag, System.nanoTime() - target);
            int now = outstanding.incrementAndGet();
            if (i >= warm) {
                maxOutstanding.accumulateAndGet(now, Math::max);
            }
            due.add(i);
        }
        for (int c = 0; c < senders.size(); c++) {
            due.add(-1);
        }
        for (Thread t : senders) {
            t.join(60_000);
        }
        return new LatencyScenario.Sends(maxLag, maxOutstanding.get(), cpu);
    }

    /** One sender thread: takes due records until it takes -1. */
    private void sender() {
        Options o = run.options;
        RawHttp raw = o.latencyClient().equals("jdk") ? null : new RawHttp(o.url(), Http.REQUEST_TIMEOUT);
        String pathAndQuery = uri.getRawPath() + "?" + uri.getRawQuery();
        while (true) {
            int i;
            try {
                i = due.take();
            } catch (InterruptedException e) {
                return;
            }
            if (i < 0) {
                return;
            }
            long scheduled = t0 + i * period;
            String body = "{\"records\":[{\"value\":" + Values.of(i, scheduled, o.valueBytes()) + "}]}";
            try {
                int status;
                String answer;
                if (raw != null) {
                    RawHttp.Response r = raw.postJson(pathAndQuery, body.getBytes(StandardCharsets.UTF_8));
                    status = r.status();
                    answer = status == 200 || status == 202 ? "" : r.text();
                } else {
                    HttpResponse<byte[]> r = producer.send(HttpRequest.newBuilder(uri).timeout(Http.REQUEST_TIMEOUT)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
                    status = r.statusCode();
                    answer = new String(r.body(), StandardCharsets.UTF_8);
                }
                if (status != 200 && status != 202) {
                    run.errors.add("latency produce", "HTTP " + status + " " + answer.substring(0, Math.min(400, answer.length())));
                } else {
                    arrivals.ack[i] = System.nanoTime() - scheduled;
                }
            } catch (IOException e) {
                run.errors.add("latency produce", e);
            } catch (InterruptedException e) {
                return;
            } finally {
                outstanding.decrementAndGet();
            }
        }
    }
}
