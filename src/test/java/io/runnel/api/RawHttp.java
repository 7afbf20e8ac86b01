package io.runnel.api;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * Sends raw HTTP/1.1 bytes on a fresh socket and reads the answer's head, for requests no HTTP
 * client library would send. After writing, the client half-closes (shuts its output down) so that
 * the server sees the end of whatever it was sent; it can still answer. Not thread-safe; holds no
 * state between exchanges.
 */
final class RawHttp {
    /** How long to wait for an answer: a server that neither answers nor closes fails the test. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_HEAD = 16 * 1024;

    /**
     * The head of an answer: its status ({@code 0} when the server closed the connection without
     * answering), the head's text, and the body bytes read with it.
     */
    record Answer(int status, String head, String body) {
        boolean closedWithoutAnswer() {
            return status == 0;
        }

        @Override
        public String toString() {
            return closedWithoutAnswer() ? "closed without answer" : head.lines().findFirst().orElse("") + " " + body;
        }
    }

    private RawHttp() {
    }

    /** Writes {@code request}, half-closes, reads the answer's head and whatever body is sent before close. */
    static Answer exchange(int port, byte[] request) throws IOException {
        return exchange(InetAddress.getByName("127.0.0.1"), port, request);
    }

    /** As {@link #exchange(int, byte[])}, from the local address {@code from} (any of 127.0.0.0/8 on Linux). */
    static Answer exchange(InetAddress from, int port, byte[] request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), port, from, 0)) {
            socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
                socket.shutdownOutput();
            } catch (SocketException e) {
                // the server refused early and closed; what it answered (if anything) is still readable
            }
            return read(socket.getInputStream());
        }
    }

    /**
     * Writes {@code request} and resets the connection at once (linger 0), as a client that gives up;
     * answers "closed without answer". Whatever the server does then happens after this returns.
     */
    static Answer abandon(int port, byte[] request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoLinger(true, 0);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
        }
        return new Answer(0, "", "");
    }

    private static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int headEnd = -1;
        try {
            byte[] buffer = new byte[4096];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                bytes.write(buffer, 0, n);
                String text = bytes.toString(ISO_8859_1);
                headEnd = text.indexOf("\r\n\r\n");
                if (headEnd >= 0 && bodyComplete(text, headEnd) || bytes.size() > MAX_HEAD) {
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            if (bytes.size() == 0) {
                throw new SocketTimeoutException("no answer and no close within " + READ_TIMEOUT);
            }
        } catch (SocketException e) {
            // reset by the server: treated as a close
        }
        String text = bytes.toString(ISO_8859_1);
        if (text.isEmpty()) {
            return new Answer(0, "", "");
        }
        if (!text.matches("(?s)HTTP/1\\.1 \\d{3}.*")) {
            throw new IOException("not an HTTP answer: " + text);
        }
        int status = Integer.parseInt(text.substring(9, 12));
        headEnd = text.indexOf("\r\n\r\n");
        return headEnd < 0 ? new Answer(status, text, "") : new Answer(status, text.substring(0, headEnd), text.substring(headEnd + 4));
    }

    /** Stops at the head plus a Content-Length body, so a kept-open stream (SSE) needs no timeout. */
    private static boolean bodyComplete(String text, int headEnd) {
        String head = text.substring(0, headEnd).toLowerCase();
        int at = head.indexOf("\r\ncontent-length:");
        if (at < 0) {
            return head.startsWith("http/1.1 2") && head.contains("text/event-stream"); // otherwise read to the close
        }
        int end = head.indexOf("\r\n", at + 2);
        long length = Long.parseLong(head.substring(at + 17, end < 0 ? head.length() : end).trim());
        return text.length() - headEnd - 4 >= length;
    }
}
