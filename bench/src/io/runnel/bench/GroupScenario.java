package io.runnel.bench;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The group scenario: produces {@code --group-records} records once (batches of 1000, 4
 * connections) to a fresh topic of {@code --group-partitions} partitions, then consumes all of them
 * through a fresh group per line, for each commit mode × member count, after an unmeasured consume.
 * Every member joins before any reads ({@link GroupMember} does the reading). One "group" line
 * each: records/s, MB/s, latency of non-empty reads, commit latencies, records per member, the
 * generations, and the committed lag afterwards (0 on every partition, or it is an error).
 *
 * <p>Used by the main thread. Groups still joined are remembered so that an interrupted run can
 * leave and delete them ({@link #cleanUp}).
 */
final class GroupScenario {
    /** Groups this run created and has not deleted yet, with their members still joined. */
    private static final Map<String, List<String>> LIVE = new ConcurrentHashMap<>();
    private static final byte[] LAG = "\"lag\":".getBytes(StandardCharsets.US_ASCII);

    /** One consume line: its topic and fresh group, members and commit mode, time bound, and whether it is reported. */
    record Line(String topic, String group, int members, boolean autoCommit, long boundNanos, boolean measured) {
    }

    private GroupScenario() {
    }

    static void run(Run run) throws Exception {
        Options o = run.options;
        String topic = run.topic("-group");
        run.createTopic(topic, o.groupPartitions());
        int batch = 1000;
        long n = Math.max(batch, o.groupRecords() / batch * batch);
        Row produced = ProduceScenario.load(run, topic, new ProduceScenario.Shape(batch, o.valueBytes(), 4), 300, n);
        System.out.printf(Locale.ROOT, "# group: produced %,d records of %d B to %d partitions in %.2fs (batch %d, 4 conns, %,.0f rec/s)%n",
                produced.records(), o.valueBytes(), o.groupPartitions(), produced.seconds(), batch, produced.recordsPerSecond());
        long[] from = new long[o.groupPartitions()];
        long[] to = new long[o.groupPartitions()];
        for (int p = 0; p < o.groupPartitions(); p++) {
            long[] off = run.admin.offsets(topic, p);
            from[p] = off[0];
            to[p] = off[1];
        }
        if (o.warmupSeconds() > 0) { // unmeasured: compiles the group read and commit paths of both JVMs
            consume(run, new Line(topic, run.topic("-gwarm"), 1, false, TimeUnit.SECONDS.toNanos(o.warmupSeconds()), false),
                    from, to);
        }
        for (String commit : o.groupCommit()) {
            for (int members : o.groupMembers()) {
                Line line = new Line(topic, run.topic("-g-" + commit + "-m" + members), members, commit.equals("auto"),
                        TimeUnit.SECONDS.toNanos(o.groupSeconds()), true);
                run.report.add(consume(run, line, from, to));
            }
        }
    }

    /** Consumes the ranges [from, to) of every partition through a fresh group; the line's Row. */
    private static Row consume(Run run, Line line, long[] from, long[] to) throws Exception {
        Options o = run.options;
        Http admin = run.http();
        String group = line.group();
        String where = (line.measured() ? "group " : "group warm-up ") + group;
        String[] ids = join(admin, line);
        String stateAfterJoins = JsonScan.stringAfter(admin.get("/groups/" + group).body(), "state");

        Cpu cpu = run.cpu();
        long start = System.nanoTime();
        GroupMember.Progress progress = new GroupMember.Progress(from, to, start + line.boundNanos());
        GroupMember[] members = new GroupMember[ids.length];
        Thread[] threads = new Thread[ids.length];
        for (int m = 0; m < ids.length; m++) {
            members[m] = new GroupMember(run, line, ids[m], progress, where);
            threads[m] = new Thread(members[m], "member-" + m);
            threads[m].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        String cpuUse = cpu.since();
        long end = progress.doneAt.get();
        if (end == 0) {
            for (GroupMember m : members) {
                end = Math.max(end, m.lastEnd);
            }
        }
        Samples reads = new Samples();
        Samples commits = new Samples();
        long requests = 0, empty = 0, errors = 0, emptyLongest = 0;
        StringBuilder perMember = new StringBuilder();
        StringBuilder gens = new StringBuilder();
        for (int m = 0; m < members.length; m++) {
            GroupMember g = members[m];
            reads.addAll(g.readLatencies);
            commits.addAll(g.commitLatencies);
            requests += g.reads;
            empty += g.emptyReads;
            errors += g.errors;
            emptyLongest = Math.max(emptyLongest, g.emptyLongest);
            perMember.append(m == 0 ? "" : "/").append(String.format(Locale.ROOT, "%,d", g.records));
            gens.append(m == 0 ? "" : "/").append(g.firstGeneration)
                    .append(g.firstGeneration == g.lastGeneration ? "" : "-" + g.lastGeneration);
        }
        // What the group committed: the lag of every partition should be 0 now.
        HttpResponse<byte[]> d = admin.get("/groups/" + group);
        long lag = 0;
        int committedPartitions = 0;
        for (int at = JsonScan.indexOf(d.body(), LAG, 0); at >= 0; at = JsonScan.indexOf(d.body(), LAG, at + 1)) {
            long[] v = JsonScan.numberAt(d.body(), at + LAG.length);
            lag += v == null ? 0 : v[0];
            committedPartitions++;
        }
        leave(run, admin, group, ids, where);
        long expected = progress.expected;
        long unique = progress.unique.get();
        long missing = expected - unique;
        long duplicates = progress.duplicates.get();
        if (line.measured() && (missing != 0 || duplicates != 0 || progress.foreign.get() != 0)) {
            run.errors.add(where, missing + " records missing, " + duplicates + " duplicates, " + progress.foreign.get()
                    + " records outside the produced ranges");
        }
        if (line.measured() && (committedPartitions != from.length || lag != 0)) {
            run.errors.add(where, "after consuming everything: committed offsets on " + committedPartitions + " of " + from.length
                    + " partitions, total lag " + lag);
        }
        long[] commitSorted = commits.sorted();
        String extra = String.format(Locale.ROOT,
                "%s  missing=%d duplicates=%d  reads=%d (empty %d, longest %sms; latency figures are of non-empty reads) errors=%d  %s  per member %s  generation %s (state after joins %s)"
                        + "  committed lag after=%d on %d partitions  %s",
                missing == 0 ? "read all " + expected : "PARTIAL: read " + unique + " of " + expected, missing,
                duplicates, requests, empty, Report.ms(emptyLongest), errors,
                line.autoCommit() ? "commit=auto" : "commits: " + Report.latencies(commitSorted) + " (n=" + commitSorted.length
                        + ", 409s " + progress.commitConflicts.get() + ")",
                perMember, gens, stateAfterJoins, lag, committedPartitions, cpuUse);
        return new Row("group", String.format(Locale.ROOT, "members=%d commit=%s limit=%d", line.members(),
                line.autoCommit() ? "auto" : "manual", o.groupLimit()), unique, (end - start) / 1e9, unique * o.valueBytes(), -1,
                reads.sorted(), extra);
    }

    /** Joins every member before any reads (the server makes the assignment at each join); their ids. */
    private static String[] join(Http admin, Line line) throws IOException, InterruptedException {
        String[] ids = new String[line.members()];
        List<String> joined = new CopyOnWriteArrayList<>();
        LIVE.put(line.group(), joined);
        for (int m = 0; m < ids.length; m++) {
            HttpResponse<byte[]> r = admin.postJson("/groups/" + line.group() + "/members",
                    "{\"topics\":[\"" + line.topic() + "\"],\"sessionTimeoutMs\":30000,\"autoOffsetReset\":\"earliest\"}");
            ids[m] = r.statusCode() == 201 ? JsonScan.stringAfter(r.body(), "memberId") : null;
            if (ids[m] == null) {
                throw new IllegalStateException("joining " + line.group() + ": HTTP " + r.statusCode() + " "
                        + new String(r.body(), StandardCharsets.UTF_8));
            }
            joined.add(ids[m]);
        }
        return ids;
    }

    /** Every member leaves, then the group is deleted. */
    private static void leave(Run run, Http admin, String group, String[] ids, String where)
            throws IOException, InterruptedException {
        List<String> joined = LIVE.get(group);
        for (String id : ids) {
            HttpResponse<byte[]> r = admin.delete("/groups/" + group + "/members/" + id);
            if (r.statusCode() != 204) {
                run.errors.add(where + " leave", r);
            }
            joined.remove(id);
        }
        HttpResponse<byte[]> del = admin.delete("/groups/" + group);
        if (del.statusCode() != 204) {
            run.errors.add(where + " delete group", del);
        } else {
            LIVE.remove(group);
        }
    }

    /** Leaves and deletes what an interrupted run left behind. */
    static void cleanUp(Http admin) {
        for (Map.Entry<String, List<String>> e : LIVE.entrySet()) {
            try {
                for (String id : e.getValue()) {
                    admin.delete("/groups/" + e.getKey() + "/members/" + id);
                }
                admin.delete("/groups/" + e.getKey());
            } catch (IOException | InterruptedException | RuntimeException ex) {
                System.err.println("# could not delete group " + e.getKey() + ": " + ex);
            }
        }
    }
}
