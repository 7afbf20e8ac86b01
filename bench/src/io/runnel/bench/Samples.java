package io.runnel.bench;

import java.util.Arrays;

/**
 * A growable array of nanosecond samples (latencies). Not thread-safe: each worker thread keeps its
 * own, and they are merged with {@link #addAll} after the threads are joined.
 */
final class Samples {
    private long[] a = new long[1024];
    private int n;

    void add(long v) {
        if (n == a.length) {
            a = Arrays.copyOf(a, n * 2);
        }
        a[n++] = v;
    }

    void addAll(Samples o) {
        for (int i = 0; i < o.n; i++) {
            add(o.a[i]);
        }
    }

    int size() {
        return n;
    }

    long[] sorted() {
        long[] s = Arrays.copyOf(a, n);
        Arrays.sort(s);
        return s;
    }
}
