package io.runnel.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The sse scenario's consumer: one SSE stream ({@code Accept: text/event-stream}) from
 * {@code offset=latest} on partition 0, read line by line through java.net.http.HttpClient; each
 * {@code data:} line is one record, timed when the line has been read; comment lines are counted.
 * Runs on one thread until it has seen every record or the deadline passes; {@link #stop()} closes
 * the stream from another thread, the only way to unblock the reader.
 */
final class SseConsumer implements LatencyScenario.Consumer {
    private final Run run;
    private final String topic;
    private final Arrivals arrivals;
    private final long deadline;
    private final CountDownLatch open = new CountDownLatch(1);
    private final AtomicReference<Stream<String>> stream = new AtomicReference<>();
    private final AtomicBoolean stopping = new AtomicBoolean();

    SseConsumer(Run run, String topic, Arrivals arrivals, long deadline) {
        this.run = run;
        this.topic = topic;
        this.arrivals = arrivals;
        this.deadline = deadline;
    }

    @Override
    public void awaitReady() throws InterruptedException {
        if (!open.await(15, TimeUnit.SECONDS)) {
            run.errors.add("sse " + topic, "the stream did not open within 15 s");
        }
    }

    @Override
    public void stop() {
        stopping.set(true);
        Stream<String> st = stream.get();
        if (st != null) {
            st.close(); // unblocks the SSE reader, which has no other way out
        }
    }

    @Override
    public void run() {
        HttpClient client = Http.newClient();
        String where = "sse " + topic;
        try {
            HttpResponse<Stream<String>> r = client.send(HttpRequest.newBuilder(
                            URI.create(run.options.url() + "/topics/" + topic + "/partitions/0/records?offset=latest"))
                    .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofLines());
            stream.set(r.body());
            if (r.statusCode() != 200) {
                run.errors.add(where, "HTTP " + r.statusCode());
                return;
            }
            open.countDown();
            int seen = 0;
            Iterator<String> lines = r.body().iterator();
            while (seen < arrivals.total && System.nanoTime() < deadline && lines.hasNext()) {
                String line = lines.next();
                long now = System.nanoTime();
                if (line.startsWith(":")) {
                    arrivals.comments.incrementAndGet();
                    continue;
                }
                if (!line.startsWith("data:")) {
                    continue; // id:, event:, blank separator
                }
                arrivals.polls.incrementAndGet(); // here: events
                long[] seq = JsonScan.numberAfter(line, "seq", 0);
                long[] sent = seq == null ? null : JsonScan.numberAfter(line, "sent", (int) seq[1]);
                if (sent == null) {
                    run.errors.add(where, "unexpected data line " + line.substring(0, Math.min(200, line.length())));
                    continue;
                }
                if (arrivals.arrived(seq[0], sent[0], now)) {
                    seen++;
                }
            }
        } catch (IOException | UncheckedIOException e) {
            if (!stopping.get()) {
                run.errors.add(where, e);
            }
        } catch (InterruptedException e) {
            // stop
        } finally {
            open.countDown();
            Stream<String> st = stream.get();
            if (st != null) {
                st.close();
            }
        }
    }
}
