package io.runnel.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The figures of a run: each {@link Row} is printed as its scenario ends, and {@link #printTable()}
 * prints them all again as one Markdown table at the end. Also the one place that turns latency
 * samples into percentiles: nearest rank over every sample of a sorted array, no bucketing; times
 * printed in milliseconds with two decimals.
 *
 * <p>Not thread-safe: only the main thread adds rows (worker threads return their figures to it).
 */
final class Report {
    private final List<Row> rows = new ArrayList<>();

    /** Prints the row's line now and keeps it for the table. */
    void add(Row row) {
        rows.add(row);
        System.out.println(row.line());
        System.out.flush();
    }

    /** The closing Markdown table, one line per row. */
    void printTable() {
        System.out.println("| scenario | settings | records/s | MB/s (values) | p50 ms | p99 ms | max ms | notes |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---|");
        for (Row r : rows) {
            long[] l = r.latencySorted();
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n", r.scenario(), r.settings(),
                    r.records() >= 0 ? String.format(Locale.ROOT, "%,.0f", r.recordsPerSecond()) : "",
                    r.records() >= 0 ? String.format(Locale.ROOT, "%.2f", r.mbPerSecond()) : "",
                    ms(percentile(l, 50)), ms(percentile(l, 99)), ms(l.length == 0 ? -1 : l[l.length - 1]),
                    r.extra() == null ? "" : r.extra());
        }
    }

    /** Nearest-rank percentile of sorted samples; -1 if there are none. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Nanoseconds as milliseconds with two decimals; "-" for a negative (absent) value. */
    static String ms(long nanos) {
        return nanos < 0 ? "-" : String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    /** "p50=…ms p99=…ms max=…ms" of sorted samples. */
    static String latencies(long[] sorted) {
        return String.format(Locale.ROOT, "p50=%sms p99=%sms max=%sms", ms(percentile(sorted, 50)),
                ms(percentile(sorted, 99)), ms(sorted.length == 0 ? -1 : sorted[sorted.length - 1]));
    }
}
