package io.runnel.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One consumer-group member of the group scenario: a thread with its own connection reading
 * {@code GET /groups/{g}/members/{m}/records?limit=…&waitMs=…} in a closed loop and, with manual
 * commit, sending {@code PUT /groups/{g}/offsets} (the next offset of each partition in the read,
 * with its generation) after every non-empty read. Every record's partition and offset is marked
 * in {@link Progress}, shared by the group's members, so that each offset is counted once.
 *
 * <p>The fields below are written by the member's own thread and read after it is joined.
 */
final class GroupMember implements Runnable {
    private static final byte[] RECORDS = "\"records\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PARTITION = "\"partition\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OFFSET = ",\"offset\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GENERATION = "\"generation\":".getBytes(StandardCharsets.US_ASCII);

    /**
     * What a group's members have read, together: a bit per offset of the produced ranges
     * [from, to) of each partition (each bitset guarded by itself), and atomic counts.
     */
    static final class Progress {
        final long[] from;
        final long[] to;
        final long expected;
        final long deadline;
        final BitSet[] seen;
        final AtomicLong unique = new AtomicLong();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong foreign = new AtomicLong();
        /** When the last unseen offset was seen (and, in manual mode, committed), or 0. */
        final AtomicLong doneAt = new AtomicLong();
        final AtomicLong commitConflicts = new AtomicLong();

        Progress(long[] from, long[] to, long deadline) {
            this.from = from;
            this.to = to;
            this.deadline = deadline;
            long n = 0;
            this.seen = new BitSet[from.length];
            for (int p = 0; p < from.length; p++) {
                n += to[p] - from[p];
                seen[p] = new BitSet();
            }
            this.expected = n;
        }
    }

    private final Run run;
    private final String topic;
    private final String group;
    private final String memberId;
    private final boolean autoCommit;
    private final Progress progress;
    private final String where;
    final Samples readLatencies = new Samples();
    final Samples commitLatencies = new Samples();
    long records;
    long reads;
    long emptyReads;
    long errors;
    long lastEnd;
    long emptyLongest;
    int firstGeneration = -1;
    int lastGeneration;

    GroupMember(Run run, GroupScenario.Line line, String memberId, Progress progress, String where) {
        this.run = run;
        this.topic = line.topic();
        this.group = line.group();
        this.autoCommit = line.autoCommit();
        this.memberId = memberId;
        this.progress = progress;
        this.where = where;
    }

    @Override
    public void run() {
        Options o = run.options;
        HttpClient client = Http.newClient();
        HttpRequest read = HttpRequest.newBuilder(URI.create(o.url() + "/groups/" + group + "/members/" + memberId
                        + "/records?limit=" + o.groupLimit() + "&waitMs=" + o.groupWaitMs() + (autoCommit ? "&commit=auto" : "")))
                .timeout(Http.REQUEST_TIMEOUT).GET().build();
        long[] next = new long[progress.from.length];
        while (progress.unique.get() < progress.expected && System.nanoTime() < progress.deadline) {
            long t0 = System.nanoTime();
            HttpResponse<byte[]> r;
            try {
                r = client.send(read, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                run.errors.add(where, e);
                errors++;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                continue;
            } catch (InterruptedException e) {
                return;
            }
            long t1 = System.nanoTime();
            lastEnd = t1;
            reads++;
            if (r.statusCode() != 200) {
                run.errors.add(where, r);
                errors++;
                if (r.statusCode() == 404) {
                    return; // UNKNOWN_MEMBER: this member is gone
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                continue;
            }
            byte[] b = r.body();
            int gi = JsonScan.indexOf(b, GENERATION, 0);
            long[] gen = gi < 0 ? null : JsonScan.numberAt(b, gi + GENERATION.length);
            int generation = gen == null ? -1 : (int) gen[0];
            if (firstGeneration < 0) {
                firstGeneration = generation;
            }
            lastGeneration = generation;
            Arrays.fill(next, -1);
            long[] counted = mark(b, next); // {records, fresh}
            records += counted[0];
            if (counted[0] == 0) {
                emptyReads++; // a long poll that timed out: its time is waitMs, not work
                emptyLongest = Math.max(emptyLongest, t1 - t0);
            } else {
                readLatencies.add(t1 - t0);
            }
            boolean completes = counted[1] > 0 && progress.unique.addAndGet(counted[1]) == progress.expected;
            if (!autoCommit && counted[0] > 0 && !commit(client, generation, next)) {
                return;
            }
            if (completes) {
                progress.doneAt.set(System.nanoTime());
            }
        }
    }

    /**
     * Marks every record of a read answer in {@link Progress}, and the next offset to commit per
     * partition in next; {records in the answer, records not seen before}.
     */
    private long[] mark(byte[] b, long[] next) {
        int at = JsonScan.indexOf(b, RECORDS, 0);
        int records = 0;
        long fresh = 0;
        while (at >= 0 && (at = JsonScan.indexOf(b, PARTITION, at)) >= 0) {
            long[] p = JsonScan.numberAt(b, at + PARTITION.length);
            if (p == null || JsonScan.indexOf(b, OFFSET, (int) p[1]) != (int) p[1]) {
                run.errors.add(where, "cannot parse the record at byte " + at);
                break;
            }
            long[] off = JsonScan.numberAt(b, (int) p[1] + OFFSET.length);
            at = (int) off[1];
            records++;
            int part = (int) p[0];
            long offset = off[0];
            if (part < 0 || part >= next.length || offset < progress.from[part] || offset >= progress.to[part]) {
                progress.foreign.incrementAndGet();
                continue;
            }
            next[part] = Math.max(next[part], offset + 1);
            boolean dup;
            synchronized (progress.seen[part]) {
                int bit = (int) (offset - progress.from[part]);
                dup = progress.seen[part].get(bit);
                progress.seen[part].set(bit);
            }
            if (dup) {
                progress.duplicates.incrementAndGet();
            } else {
                fresh++;
            }
        }
        return new long[] {records, fresh};
    }

    /** Commits the next offsets of the partitions in the read; false if the thread was interrupted. */
    private boolean commit(HttpClient client, int generation, long[] next) {
        StringBuilder body = new StringBuilder(200).append("{\"memberId\":\"").append(memberId)
                .append("\",\"generation\":").append(generation).append(",\"offsets\":[");
        boolean first = true;
        for (int p = 0; p < next.length; p++) {
            if (next[p] >= 0) {
                body.append(first ? "" : ",").append("{\"topic\":\"").append(topic).append("\",\"partition\":")
                        .append(p).append(",\"offset\":").append(next[p]).append('}');
                first = false;
            }
        }
        body.append("]}");
        long c0 = System.nanoTime();
        try {
            HttpResponse<byte[]> c = client.send(HttpRequest.newBuilder(URI.create(run.options.url() + "/groups/" + group + "/offsets"))
                            .timeout(Http.REQUEST_TIMEOUT).header("Content-Type", "application/json")
                            .PUT(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (c.statusCode() == 409) {
                progress.commitConflicts.incrementAndGet(); // a rebalance between the read and the commit
            } else if (c.statusCode() != 200) {
                run.errors.add(where + " commit", c);
                errors++;
            }
        } catch (IOException e) {
            run.errors.add(where + " commit", e);
            errors++;
        } catch (InterruptedException e) {
            return false;
        }
        long c1 = System.nanoTime();
        commitLatencies.add(c1 - c0);
        lastEnd = c1;
        return true;
    }
}
