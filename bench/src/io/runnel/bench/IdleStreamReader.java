package io.runnel.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sse-idle scenario's reader: one selector thread reading every held SSE stream (raw HTTP/1.1,
 * one connection each). It parses each answer's status line, then watches the body for the first
 * {@code event:record} and counts {@code :keep-alive} comments, searching across read boundaries.
 *
 * <p>Connections are opened by another thread and handed over through {@link #register}; after
 * that each {@link Conn} is written only by the selector thread, and its volatile fields are read
 * by the scenario's thread.
 */
final class IdleStreamReader implements Runnable {
    private static final byte[] HEADER_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RECORD_EVENT = "event:record".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = ":keep-alive".getBytes(StandardCharsets.US_ASCII);

    /** One raw HTTP/1.1 connection holding one stream. */
    static final class Conn {
        final SocketChannel ch;
        byte[] head = new byte[0];
        boolean headerDone;
        int status = -1;
        volatile long openedAt;
        volatile long recordAt = -1;
        volatile int keepAlives;
        volatile boolean closedByServer;
        byte[] tail = new byte[0];

        Conn(SocketChannel ch) {
            this.ch = ch;
        }
    }

    final AtomicInteger opened = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();
    private final Run run;
    private final Selector selector;
    private final ConcurrentLinkedQueue<Conn> toRegister = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);

    IdleStreamReader(Run run) throws IOException {
        this.run = run;
        this.selector = Selector.open();
    }

    /** Hands a connection (non-blocking, its request written) to the selector thread. */
    void register(Conn c) {
        toRegister.add(c);
    }

    /** Makes the selector thread take the connections handed over so far. */
    void wakeup() {
        selector.wakeup();
    }

    /** Stops the selector thread's loop; close the selector once it has ended. */
    void stop() {
        running.set(false);
        selector.wakeup();
    }

    void close() throws IOException {
        selector.close();
    }

    @Override
    public void run() {
        try {
            while (running.get()) {
                selector.select(100);
                Conn c;
                while ((c = toRegister.poll()) != null) {
                    c.ch.register(selector, SelectionKey.OP_READ, c);
                }
                for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    var key = it.next();
                    it.remove();
                    read(key);
                }
            }
        } catch (IOException | RuntimeException e) {
            run.errors.add("sse-idle reader", e);
        }
    }

    private void read(SelectionKey key) {
        Conn k = (Conn) key.attachment();
        buf.clear();
        int n;
        try {
            n = k.ch.read(buf);
        } catch (IOException e) {
            n = -1;
        }
        if (n < 0) {
            k.closedByServer = true;
            key.cancel();
            return;
        }
        byte[] data = buf.array();
        if (!k.headerDone) {
            k.head = concat(k.head, data, n);
            int e = JsonScan.indexOf(k.head, HEADER_END, 0);
            if (e < 0) {
                return;
            }
            k.headerDone = true;
            String statusLine = new String(k.head, 0, Math.min(k.head.length, 16), StandardCharsets.US_ASCII);
            k.status = statusLine.startsWith("HTTP/1.1 ") ? Integer.parseInt(statusLine.substring(9, 12)) : 0;
            byte[] rest = Arrays.copyOfRange(k.head, e + HEADER_END.length, k.head.length);
            k.head = null;
            if (k.status == 200) {
                k.openedAt = System.nanoTime();
                opened.incrementAndGet();
            } else {
                refused.incrementAndGet();
            }
            data = rest;
            n = rest.length;
        }
        // Search the body, including the end of the previous read, for the markers.
        byte[] window = concat(k.tail, data, n);
        int old = k.tail.length;
        if (k.recordAt < 0 && JsonScan.indexOf(window, RECORD_EVENT, 0) >= 0) {
            k.recordAt = System.nanoTime();
        }
        for (int at = JsonScan.indexOf(window, KEEP_ALIVE, 0); at >= 0; at = JsonScan.indexOf(window, KEEP_ALIVE, at + 1)) {
            if (at + KEEP_ALIVE.length > old) {
                k.keepAlives++;
            }
        }
        k.tail = Arrays.copyOfRange(window, Math.max(0, window.length - 16), window.length);
    }

    private static byte[] concat(byte[] a, byte[] b, int n) {
        byte[] r = Arrays.copyOf(a, a.length + n);
        System.arraycopy(b, 0, r, a.length, n);
        return r;
    }
}
