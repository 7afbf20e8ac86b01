package io.runnel.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The latency probe's consumer: long-polls partition 0 from {@code offset=latest} with
 * {@code waitMs=--wait-ms}, then follows nextOffset, and times each record it finds (values from
 * {@link Values}) when the whole answer holding it has been read. Speaks through {@link RawHttp}
 * or, with {@code --latency-client jdk}, java.net.http.HttpClient. Runs on one thread until it has
 * seen every record or the deadline passes.
 */
final class LongPollConsumer implements LatencyScenario.Consumer {
    private final Run run;
    private final String topic;
    private final Arrivals arrivals;
    private final long deadline;

    LongPollConsumer(Run run, String topic, Arrivals arrivals, long deadline) {
        this.run = run;
        this.topic = topic;
        this.arrivals = arrivals;
        this.deadline = deadline;
    }

    @Override
    public void awaitReady() throws InterruptedException {
        Thread.sleep(300); // let the first long poll reach the server and park
    }

    @Override
    public void stop() {
        // the interrupt is enough: a long poll ends within waitMs
    }

    @Override
    public void run() {
        Options o = run.options;
        Duration timeout = Duration.ofMillis(o.waitMs()).plusSeconds(15);
        HttpClient client = o.latencyClient().equals("jdk") ? Http.newClient() : null;
        RawHttp raw = client == null ? new RawHttp(o.url(), timeout) : null;
        String path = "/topics/" + topic + "/partitions/0/records?limit=1000&maxBytes=1048576&waitMs=" + o.waitMs()
                + "&offset=";
        String offset = "latest";
        int seen = 0;
        String where = "long-poll " + topic;
        while (seen < arrivals.total && System.nanoTime() < deadline) {
            int status;
            byte[] body;
            try {
                if (raw != null) {
                    RawHttp.Response r = raw.get(path + offset);
                    status = r.status();
                    body = r.body();
                } else {
                    HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(o.url() + path + offset))
                                    .timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                    status = r.statusCode();
                    body = r.body();
                }
            } catch (IOException e) {
                run.errors.add(where, e);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                continue;
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            arrivals.polls.incrementAndGet();
            if (status != 200) {
                run.errors.add(where, "HTTP " + status + " " + new String(body, 0, Math.min(body.length, 400), StandardCharsets.UTF_8));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                continue;
            }
            String s = new String(body, StandardCharsets.UTF_8);
            int at = 0, inThisPoll = 0;
            long[] seq;
            while ((seq = JsonScan.numberAfter(s, "seq", at)) != null) {
                long[] sent = JsonScan.numberAfter(s, "sent", (int) seq[1]);
                if (sent == null) {
                    break;
                }
                at = (int) sent[1];
                inThisPoll++;
                if (arrivals.arrived(seq[0], sent[0], now)) {
                    seen++;
                }
            }
            if (inThisPoll == 0) {
                arrivals.emptyPolls.incrementAndGet();
            }
            long next = JsonScan.lastNumber(body, "nextOffset");
            if (next < 0) {
                run.errors.add(where, "no nextOffset in " + s.substring(0, Math.min(200, s.length())));
                return;
            }
            offset = Long.toString(next);
        }
    }
}
