package io.runnel.bench;

import java.util.Locale;

/**
 * One line of figures: a scenario's settings, what it moved in how long, its latency samples and
 * free-form extras. {@link #line()} is the line printed as the scenario ends; scripts and
 * BENCHMARKS.md parse it (records/s, MB/s, p50/p99/max), so its format does not change.
 *
 * @param records       records moved, or -1 for a line without throughput (latency, sse, sse-idle)
 * @param seconds       the measured interval
 * @param valueBytes    record value bytes moved (MB/s counts these, MB = 10^6 bytes)
 * @param wireBytes     response bytes, where known, else -1 or 0
 * @param latencySorted the latency samples in nanoseconds, sorted, or null for none
 */
record Row(String scenario, String settings, long records, double seconds, long valueBytes, long wireBytes,
           long[] latencySorted, String extra) {

    double recordsPerSecond() {
        return seconds > 0 ? records / seconds : 0;
    }

    double mbPerSecond() {
        return seconds > 0 ? valueBytes / seconds / 1e6 : 0;
    }

    String line() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-8s %-32s", scenario, settings));
        if (records >= 0) {
            sb.append(String.format(Locale.ROOT, " records=%,11d in %6.2fs  %,9.0f rec/s  %7.2f MB/s", records, seconds,
                    recordsPerSecond(), mbPerSecond()));
        }
        if (latencySorted != null) {
            sb.append("  ").append(Report.latencies(latencySorted)).append(" (n=").append(latencySorted.length).append(')');
        }
        if (extra != null && !extra.isEmpty()) {
            sb.append("  ").append(extra);
        }
        return sb.toString();
    }
}
