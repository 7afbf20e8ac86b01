package io.runnel.bench;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every non-2xx answer, I/O failure or failed check of a run, counted; the first ten are kept
 * verbatim for the "# error:" lines at the end. Thread-safe: worker threads add to it concurrently.
 */
final class Errors {
    private final AtomicLong count = new AtomicLong();
    private final ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
    private final AtomicInteger kept = new AtomicInteger();

    void add(String where, String what) {
        count.incrementAndGet();
        if (kept.incrementAndGet() <= 10) {
            samples.add(Instant.now() + " " + where + ": " + what);
        }
    }

    void add(String where, HttpResponse<byte[]> r) {
        String body = new String(r.body(), 0, Math.min(r.body().length, 400), StandardCharsets.UTF_8);
        add(where, "HTTP " + r.statusCode() + " " + body);
    }

    void add(String where, Throwable t) {
        add(where, t.getClass().getSimpleName() + ": " + t.getMessage());
    }

    long count() {
        return count.get();
    }

    Iterable<String> samples() {
        return samples;
    }
}
