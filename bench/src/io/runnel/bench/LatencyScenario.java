package io.runnel.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The latency and sse scenarios: produce → consumer latency on a fresh 1-partition topic. One
 * consumer reads from the latest offset ({@link LongPollConsumer}, or {@link SseConsumer} for sse);
 * a producer sends one record per request at {@code --latency-rate} records/s, open loop, with its
 * send time ({@code System.nanoTime()}) in the value; latency = when the consumer has the record −
 * when it was sent. The first {@code --latency-warmup-seconds} are not measured. One "latency" or
 * "sse" line: end-to-end p50/p99/max, then the produce acknowledgement latencies, missing and
 * duplicate records, the producer's lag behind its schedule and the requests in flight.
 *
 * <p>The producer is {@link PooledProducer} ({@code --latency-connections} > 0) or, with 0, a new
 * asynchronous request whenever one is due. Used by the main thread; the consumer and senders run
 * on their own threads and meet in {@link Arrivals}.
 */
final class LatencyScenario {

    /** A consumer thread's body, and how the scenario waits for it to listen and stops it. */
    interface Consumer extends Runnable {
        /** Returns once the consumer listens, so that the first record is not missed. */
        void awaitReady() throws InterruptedException;

        /** Unblocks a consumer that outlived its deadline; the thread is interrupted as well. */
        void stop();
    }

    /** What a producer measured besides the acknowledgement times; cpu is sampled at the first measured record. */
    record Sends(long maxLag, int maxOutstanding, Cpu cpu) {
    }

    private final Run run;
    private final boolean sse;
    private final String topic;
    private final int warm;
    private final Arrivals arrivals;
    private final long period;
    private long consumerDeadline;

    private LatencyScenario(Run run, boolean sse) {
        Options o = run.options;
        this.run = run;
        this.sse = sse;
        this.topic = run.topic(sse ? "-sse" : "-latency");
        this.warm = o.latencyRate() * o.latencyWarmupSeconds();
        this.arrivals = new Arrivals(warm + o.latencyRate() * o.latencySeconds());
        this.period = TimeUnit.SECONDS.toNanos(1) / o.latencyRate();
    }

    /** Runs the latency scenario (sse false) or the sse scenario, and reports its line. */
    static void run(Run run, boolean sse) throws Exception {
        new LatencyScenario(run, sse).measure();
    }

    private void measure() throws Exception {
        Options o = run.options;
        run.createTopic(topic, 1);
        long producerBound = TimeUnit.SECONDS.toNanos(o.latencyWarmupSeconds() + o.latencySeconds());
        consumerDeadline = System.nanoTime() + producerBound + TimeUnit.SECONDS.toNanos(15);
        Consumer consumer = sse ? new SseConsumer(run, topic, arrivals, consumerDeadline)
                : new LongPollConsumer(run, topic, arrivals, consumerDeadline);
        Thread thread = new Thread(consumer, sse ? "sse" : "long-poll");
        thread.setDaemon(true);
        thread.start();
        consumer.awaitReady();

        HttpClient producer = Http.newClient();
        URI uri = URI.create(o.url() + "/topics/" + topic + "/partitions/0/records?acks=" + o.acks());
        Sends sends = o.latencyConnections() > 0 ? new PooledProducer(run, producer, uri, arrivals, period).send(warm)
                : sendUnbounded(producer, uri);
        finish(thread, consumer, sends);
    }

    /** The producer of --latency-connections 0: each record its own asynchronous request, as many in flight as due. */
    private Sends sendUnbounded(HttpClient producer, URI uri) {
        Options o = run.options;
        int total = arrivals.total;
        List<CompletableFuture<?>> inFlight = new ArrayList<>(total);
        AtomicInteger outstanding = new AtomicInteger();
        int maxOutstanding = 0;
        long maxLag = 0;
        Cpu cpu = null;
        long t0 = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long target = t0 + i * period;
            parkUntil(target);
            if (i == warm) {
                cpu = run.cpu();
            }
            long sent = System.nanoTime();
            maxLag = Math.max(maxLag, sent - target);
            int nowOutstanding = outstanding.incrementAndGet();
            if (i >= warm) {
                maxOutstanding = Math.max(maxOutstanding, nowOutstanding);
            }
            String body = "{\"records\":[{\"value\":" + Values.of(i, sent, o.valueBytes()) + "}]}";
            int idx = i;
            inFlight.add(producer.sendAsync(HttpRequest.newBuilder(uri).timeout(Http.REQUEST_TIMEOUT)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray())
                    .whenComplete((r, ex) -> {
                        outstanding.decrementAndGet();
                        if (ex != null) {
                            run.errors.add("latency produce", ex);
                        } else if (r.statusCode() != 200 && r.statusCode() != 202) {
                            run.errors.add("latency produce", r);
                        } else {
                            arrivals.ack[idx] = System.nanoTime() - sent;
                        }
                    }));
        }
        try {
            CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            run.errors.add("latency produce", e);
        }
        return new Sends(maxLag, maxOutstanding, cpu);
    }

    /** Parks until {@code System.nanoTime()} reaches {@code target}: the open-loop schedule's clock. */
    static void parkUntil(long target) {
        long d;
        while ((d = target - System.nanoTime()) > 0) {
            LockSupport.parkNanos(d);
        }
    }

    /** Waits for the consumer (stopping it at its deadline) and reports the line. */
    private void finish(Thread thread, Consumer consumer, Sends sends) throws InterruptedException {
        Options o = run.options;
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(consumerDeadline - System.nanoTime()) + 1000));
        if (thread.isAlive()) {
            thread.interrupt();
            consumer.stop();
        }
        Samples s = new Samples();
        Samples acks = new Samples();
        int missing = 0;
        for (int i = warm; i < arrivals.total; i++) {
            if (arrivals.e2e[i] >= 0) {
                s.add(arrivals.e2e[i]);
            } else {
                missing++;
            }
            if (arrivals.ack[i] >= 0) {
                acks.add(arrivals.ack[i]);
            }
        }
        long duplicates = arrivals.duplicates.get();
        String reads = sse ? String.format(Locale.ROOT, "events=%d comments=%d", arrivals.polls.get(), arrivals.comments.get())
                : String.format(Locale.ROOT, "polls=%d (empty %d)", arrivals.polls.get(), arrivals.emptyPolls.get());
        String extra = String.format(Locale.ROOT,
                "missing=%d duplicates=%d %s  produce ack %s  max send lag %sms, max in flight %d  %s",
                missing, duplicates, reads, Report.latencies(acks.sorted()), Report.ms(sends.maxLag()), sends.maxOutstanding(),
                sends.cpu() == null ? "" : sends.cpu().since());
        if (sse && (missing > 0 || duplicates > 0)) {
            run.errors.add("sse", missing + " records missing, " + duplicates + " duplicates");
        }
        run.report.add(new Row(sse ? "sse" : "latency", sse ? String.format(Locale.ROOT, "rate=%d/s %ds", o.latencyRate(), o.latencySeconds())
                : String.format(Locale.ROOT, "rate=%d/s %ds waitMs=%d", o.latencyRate(), o.latencySeconds(), o.waitMs()),
                -1, 0, 0, 0, s.sorted(), extra));
    }
}
