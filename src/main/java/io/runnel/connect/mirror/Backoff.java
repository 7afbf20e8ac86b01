package io.runnel.connect.mirror;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter for one retried activity: {@value #FIRST_MS} ms after the first failure, doubling
 * up to {@value #CAP_MS} ms, each delay drawn from 80–100 % of its step so that many partitions that failed together
 * do not retry together; {@link #reset} after a success. Not thread-safe: one activity's chain owns it.
 */
final class Backoff {
    static final long FIRST_MS = 250;
    static final long CAP_MS = 30_000;
    private long step = FIRST_MS;

    /** The delay before the next attempt; the one after it is longer. */
    Duration next() {
        long now = step;
        step = Math.min(CAP_MS, step * 2);
        return Duration.ofMillis(now - ThreadLocalRandom.current().nextLong(now / 5 + 1));
    }

    void reset() {
        step = FIRST_MS;
    }
}
