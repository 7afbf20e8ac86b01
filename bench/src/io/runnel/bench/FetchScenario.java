package io.runnel.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The fetch scenario: reads back everything the produce lines wrote, by offset, with
 * {@code GET /topics/{t}/partitions/{p}/records?offset=X&limit=…&maxBytes=…}. Each partition's range
 * is cut into chunks of {@code --fetch-chunk} offsets that the connections take from a shared
 * queue; the data is read once per distinct connection level, after an unmeasured read. One "fetch"
 * line each: records/s, MB/s of value bytes, wire MB/s, request latency.
 *
 * <p>Each answer must hold exactly {@code nextOffset - offset} records, with nextOffset moving
 * forward; a chunk that breaks this is abandoned and counted as an error. A line that hits
 * {@code --fetch-seconds} says PARTIAL. One thread and HttpClient per connection.
 */
final class FetchScenario {
    private static final byte[] OFFSET = "\"offset\":".getBytes(StandardCharsets.US_ASCII);

    /** Offsets [from, to) of one partition, read by one connection in one go. */
    record Chunk(String topic, int partition, long from, long to, int valueBytes) {
    }

    private FetchScenario() {
    }

    static void run(Run run) throws Exception {
        Options o = run.options;
        List<Chunk> chunks = chunks(run, run.produced);
        if (o.warmupSeconds() > 0) {
            read(run, chunks, 1, TimeUnit.SECONDS.toNanos(o.warmupSeconds())); // unmeasured warm-up
        }
        for (int conns : Arrays.stream(o.connections()).distinct().toArray()) {
            run.report.add(read(run, chunks, conns, TimeUnit.SECONDS.toNanos(o.fetchSeconds())));
        }
    }

    /** The topics' current offset ranges, cut into chunks. */
    static List<Chunk> chunks(Run run, List<ProduceScenario.Topic> topics) throws Exception {
        Options o = run.options;
        List<Chunk> chunks = new ArrayList<>();
        for (ProduceScenario.Topic t : topics) {
            for (int p = 0; p < o.partitions(); p++) {
                long[] off = run.admin.offsets(t.name(), p);
                for (long from = off[0]; from < off[1]; from += o.fetchChunk()) {
                    chunks.add(new Chunk(t.name(), p, from, Math.min(off[1], from + o.fetchChunk()), t.valueBytes()));
                }
            }
        }
        return chunks;
    }

    /** Reads every chunk with the given connections until done or the bound; one Row, not reported. */
    static Row read(Run run, List<Chunk> chunks, int connections, long boundNanos) throws Exception {
        ConcurrentLinkedQueue<Chunk> queue = new ConcurrentLinkedQueue<>(chunks);
        long expected = chunks.stream().mapToLong(c -> c.to() - c.from()).sum();
        Cpu cpu = run.cpu();
        long start = System.nanoTime();
        long deadline = start + boundNanos;
        Reader[] readers = new Reader[connections];
        Thread[] threads = new Thread[connections];
        for (int w = 0; w < connections; w++) {
            Reader reader = new Reader(run, deadline, start);
            readers[w] = reader;
            threads[w] = new Thread(() -> {
                Chunk c;
                while (System.nanoTime() < deadline && (c = queue.poll()) != null) {
                    if (!reader.read(c)) {
                        return;
                    }
                }
            }, "fetch-" + w);
            threads[w].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        Samples all = new Samples();
        long records = 0, valueBytes = 0, wire = 0, errors = 0, end = start;
        for (Reader r : readers) {
            all.addAll(r.latencies);
            records += r.records;
            valueBytes += r.valueBytes;
            wire += r.wireBytes;
            errors += r.errors;
            end = Math.max(end, r.lastEnd);
        }
        double seconds = (end - start) / 1e9;
        String extra = String.format(Locale.ROOT, "wire %.2f MB/s  %s errors=%d  %s", seconds > 0 ? wire / seconds / 1e6 : 0,
                records == expected ? "read all " + expected : "PARTIAL: read " + records + " of " + expected, errors,
                cpu.since());
        return new Row("fetch", String.format(Locale.ROOT, "limit=%d conns=%d", run.options.fetchLimit(), connections),
                records, seconds, valueBytes, wire, all.sorted(), extra);
    }

    /** One connection: its client and what it read. Used by its own thread, read after the join. */
    private static final class Reader {
        final Run run;
        final long deadline;
        final HttpClient client = Http.newClient();
        final Samples latencies = new Samples();
        long records;
        long valueBytes;
        long wireBytes;
        long errors;
        long lastEnd;

        Reader(Run run, long deadline, long start) {
            this.run = run;
            this.deadline = deadline;
            this.lastEnd = start;
        }

        /** Reads one chunk until its end or the deadline; false if the thread was interrupted. */
        boolean read(Chunk c) {
            Options o = run.options;
            long offset = c.from();
            String where = "fetch " + c.topic() + "/" + c.partition();
            while (offset < c.to() && System.nanoTime() < deadline) {
                int limit = (int) Math.min(o.fetchLimit(), c.to() - offset);
                URI uri = URI.create(o.url() + "/topics/" + c.topic() + "/partitions/" + c.partition()
                        + "/records?offset=" + offset + "&limit=" + limit + "&maxBytes=" + o.fetchMaxBytes());
                long t0 = System.nanoTime();
                HttpResponse<byte[]> r;
                try {
                    r = client.send(HttpRequest.newBuilder(uri).timeout(Http.REQUEST_TIMEOUT).GET().build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                } catch (IOException e) {
                    run.errors.add(where, e);
                    errors++;
                    return true;
                } catch (InterruptedException e) {
                    return false;
                }
                long t1 = System.nanoTime();
                latencies.add(t1 - t0);
                lastEnd = t1;
                long next = r.statusCode() == 200 ? JsonScan.lastNumber(r.body(), "nextOffset") : -1;
                int n = r.statusCode() == 200 ? JsonScan.count(r.body(), OFFSET) : -1;
                if (next <= offset || n != next - offset) {
                    run.errors.add(where + " offset=" + offset, r.statusCode() == 200
                            ? "inconsistent answer: " + n + " records, nextOffset " + next : "HTTP " + r.statusCode()
                            + " " + new String(r.body(), 0, Math.min(400, r.body().length), StandardCharsets.UTF_8));
                    errors++;
                    return true; // give up this chunk rather than loop on it
                }
                records += n;
                valueBytes += (long) n * c.valueBytes();
                wireBytes += r.body().length;
                offset = next;
            }
            return true;
        }
    }
}
