package io.runnel.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the latency probe measured, by record sequence number (0 to total-1): the end-to-end
 * latency (the consumer has the record − its send time) and the produce acknowledgement latency,
 * -1 where there is none; and counts of duplicates, reads and SSE comments.
 *
 * <p>Thread-safety: {@link #e2e} is written by the one consumer thread, and read after that thread
 * is joined; each {@link #ack} entry is written once, by the sender of that record; the counters
 * are atomic.
 */
final class Arrivals {
    final int total;
    final long[] e2e;
    final long[] ack;
    final AtomicLong duplicates = new AtomicLong();
    /** Long polls answered, or SSE data lines read. */
    final AtomicLong polls = new AtomicLong();
    final AtomicLong emptyPolls = new AtomicLong();
    final AtomicLong comments = new AtomicLong();

    Arrivals(int total) {
        this.total = total;
        this.e2e = new long[total];
        this.ack = new long[total];
        Arrays.fill(e2e, -1);
        Arrays.fill(ack, -1);
    }

    /** Record seq, sent at sent, has reached the consumer at now; false (and counted) if a duplicate or unknown. */
    boolean arrived(long seq, long sent, long now) {
        int i = (int) seq;
        if (i < 0 || i >= total || e2e[i] >= 0) {
            duplicates.incrementAndGet();
            return false;
        }
        e2e[i] = now - sent;
        return true;
    }
}
