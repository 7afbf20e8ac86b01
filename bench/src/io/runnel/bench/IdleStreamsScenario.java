package io.runnel.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The sse-idle scenario: many idle SSE streams, and the node's memory, threads and responsiveness
 * while they are open. Opens {@code --idle-streams} raw connections, each
 * {@code GET …/partitions/0/records?offset=latest} with {@code Accept: text/event-stream}, read by
 * one {@link IdleStreamReader}; holds them {@code --idle-hold-seconds} (15 s or more includes one
 * round of the server's keep-alive comments); samples the node ({@link NodeProbe}, needs
 * {@code --server-pid}) and times five {@code /actuator/health} calls on new connections; produces
 * one record that every stream must get (the latency samples); closes every stream and waits up to
 * 50 s for the node to release them. Prints "# sse-idle:" lines as it goes and one "sse-idle" line.
 *
 * <p>Used by the main thread, apart from the reader's selector thread.
 */
final class IdleStreamsScenario {
    /** Five /actuator/health calls: their times and how many failed. */
    private record Health(Samples samples, int failures) {
    }

    private final Run run;
    private final Options o;
    private final String topic;
    private final long pid;
    private final IdleStreamReader reader;
    private final List<IdleStreamReader.Conn> conns;

    private IdleStreamsScenario(Run run) throws IOException {
        this.run = run;
        this.o = run.options;
        this.topic = run.topic("-sse-idle");
        this.pid = o.serverPid();
        this.reader = new IdleStreamReader(run);
        this.conns = new ArrayList<>(o.idleStreams());
    }

    static void run(Run run) throws Exception {
        new IdleStreamsScenario(run).measure();
    }

    private void measure() throws Exception {
        run.createTopic(topic, 1);
        NodeProbe.jcmd(pid, "VM.uptime"); // starts the node's Attach Listener thread now, so that it is in every thread count
        long[] before = NodeProbe.sample(pid);
        System.out.printf(Locale.ROOT, "# sse-idle: before: %s%n", NodeProbe.describe(before));

        Thread readerThread = new Thread(reader, "sse-idle-reader");
        readerThread.setDaemon(true);
        readerThread.start();
        long openNanos = open();

        Thread.sleep(TimeUnit.SECONDS.toMillis(o.idleHoldSeconds()));
        Cpu idleCpu = run.cpu();
        Thread.sleep(2000);
        String idleCpuUse = idleCpu.since(); // what the open streams cost while nothing happens (2 s)
        Health health = health();
        long[] with = NodeProbe.sample(pid);
        long closedEarly = conns.stream().filter(c -> c.closedByServer).count();
        long withKeepAlive = conns.stream().filter(c -> c.keepAlives > 0).count();
        System.out.printf(Locale.ROOT, "# sse-idle: with %d streams open after %d s: %s; /actuator/health (new connection each) %s, "
                        + "failures %d; streams closed by the server %d; streams that got a keep-alive comment %d; idle %s%n",
                reader.opened.get(), o.idleHoldSeconds() + 2, NodeProbe.describe(with), Report.latencies(health.samples().sorted()),
                health.failures(), closedEarly, withKeepAlive, idleCpuUse);

        // One record: every open stream should get it.
        long sent = System.nanoTime();
        HttpResponse<byte[]> p = run.admin.postJson("/topics/" + topic + "/partitions/0/records",
                "{\"records\":[{\"value\":" + Values.of(0, sent, o.valueBytes()) + "}]}");
        long ackNanos = System.nanoTime() - sent;
        if (p.statusCode() != 200) {
            run.errors.add("sse-idle produce", p);
        }
        Cpu fanOutCpu = run.cpu();
        long fanDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long open200 = conns.stream().filter(c -> c.openedAt > 0).count();
        while (System.nanoTime() < fanDeadline && conns.stream().filter(c -> c.recordAt > 0).count() < open200) {
            Thread.sleep(5);
        }
        String fanOutCpuUse = fanOutCpu.since();
        Samples delivery = new Samples();
        for (IdleStreamReader.Conn c : conns) {
            if (c.recordAt > 0) {
                delivery.add(c.recordAt - sent);
            }
        }
        long got = delivery.size();
        if (got < open200) {
            run.errors.add("sse-idle", (open200 - got) + " of " + open200 + " open streams did not get the record within 20 s");
        }
        if (reader.opened.get() < o.idleStreams()) {
            run.errors.add("sse-idle", "only " + reader.opened.get() + " of " + o.idleStreams() + " streams opened");
        }

        reader.stop();
        readerThread.join(5000);
        long[] after = closeAll(before);

        int k = Math.max(1, reader.opened.get());
        String extra = String.format(Locale.ROOT,
                "streams=%d opened in %.2fs  record delivered to %d of %d (ack %sms)  node before: %s  with streams: %s  "
                        + "per stream: rss %.1f kB (after GC %.1f kB), heap %.1f kB, threads %+d  health %s  closed by server %d  "
                        + "idle %s  fan-out %s  after closing: %s",
                reader.opened.get(), openNanos / 1e9, got, open200, Report.ms(ackNanos), NodeProbe.describe(before),
                NodeProbe.describe(with), (with[0] - before[0]) / (double) k, (with[5] - before[5]) / (double) k,
                (with[3] - before[3]) / (double) k, with[1] - before[1], Report.latencies(health.samples().sorted()), closedEarly,
                idleCpuUse, fanOutCpuUse, NodeProbe.describe(after));
        run.report.add(new Row("sse-idle", String.format(Locale.ROOT, "streams=%d hold=%ds", o.idleStreams(), o.idleHoldSeconds()),
                -1, 0, 0, 0, delivery.sorted(), extra));
    }

    /** Opens the streams, one connection each, from this thread; the reader takes the answers; the nanoseconds it took. */
    private long open() throws InterruptedException {
        URI base = URI.create(o.url());
        InetSocketAddress address = new InetSocketAddress(base.getHost(), base.getPort());
        byte[] request = ("GET /topics/" + topic + "/partitions/0/records?offset=latest HTTP/1.1\r\nHost: " + base.getHost() + ":"
                + base.getPort() + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        long t0 = System.nanoTime();
        String connectError = null;
        for (int i = 0; i < o.idleStreams(); i++) {
            try {
                SocketChannel ch = SocketChannel.open(address);
                ch.write(ByteBuffer.wrap(request));
                ch.configureBlocking(false);
                IdleStreamReader.Conn c = new IdleStreamReader.Conn(ch);
                conns.add(c);
                reader.register(c);
            } catch (IOException e) {
                connectError = "connection " + i + ": " + e;
                run.errors.add("sse-idle open", connectError);
                break;
            }
            if (i % 100 == 99) {
                reader.wakeup();
            }
        }
        reader.wakeup();
        long openDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (reader.opened.get() + reader.refused.get() < conns.size() && System.nanoTime() < openDeadline) {
            Thread.sleep(10);
        }
        long openNanos = System.nanoTime() - t0;
        System.out.printf(Locale.ROOT, "# sse-idle: %d streams open (status 200) of %d connections in %.2fs; refused %d%s%n",
                reader.opened.get(), conns.size(), openNanos / 1e9, reader.refused.get(), connectError == null ? "" : "; " + connectError);
        return openNanos;
    }

    /** Five /actuator/health calls, each on a new connection. */
    private Health health() throws InterruptedException {
        Samples health = new Samples();
        int failures = 0;
        for (int i = 0; i < 5; i++) {
            long h0 = System.nanoTime();
            try {
                HttpResponse<byte[]> h = run.http().get("/actuator/health"); // a new connection each time
                if (h.statusCode() != 200) {
                    failures++;
                    run.errors.add("sse-idle health", h);
                }
            } catch (IOException e) {
                failures++;
                run.errors.add("sse-idle health", e);
            }
            health.add(System.nanoTime() - h0);
        }
        return new Health(health, failures);
    }

    /**
     * Closes every stream from this side and waits until the node has released them: it notices at
     * its next write (keep-alive comments, every 15 s), so up to 3 rounds. The node's sample afterwards.
     */
    private long[] closeAll(long[] before) throws InterruptedException, IOException {
        for (IdleStreamReader.Conn c : conns) {
            try {
                c.ch.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        reader.close();
        long closedAt = System.nanoTime();
        long[] now = NodeProbe.node(pid);
        long releaseDeadline = closedAt + TimeUnit.SECONDS.toNanos(50);
        while (before[2] >= 0 && now[2] > before[2] + 20 && System.nanoTime() < releaseDeadline) {
            Thread.sleep(250);
            now = NodeProbe.node(pid);
        }
        double releaseSeconds = (System.nanoTime() - closedAt) / 1e9;
        boolean released = before[2] < 0 || now[2] <= before[2] + 20;
        long[] after = NodeProbe.sample(pid);
        System.out.printf(Locale.ROOT, "# sse-idle: after closing them: connections %s %.1f s after closing; %s%n",
                released ? "released" : "STILL OPEN", releaseSeconds, NodeProbe.describe(after));
        if (!released) {
            run.errors.add("sse-idle", "the node still had " + now[2] + " open fds " + releaseSeconds + " s after the client closed "
                    + conns.size() + " streams (" + before[2] + " before they were opened)");
        }
        return after;
    }
}
