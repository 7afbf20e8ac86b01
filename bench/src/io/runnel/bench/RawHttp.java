package io.runnel.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * The latency probe's HTTP/1.1 client: one kept-alive socket, a request written in one call, the
 * answer read with Content-Length or chunked framing (1xx, 204 and 304 answers have no body). It
 * does a small part of what java.net.http.HttpClient does, and costs a small part of its CPU, so
 * that on a 2-core machine the probe does not take the cores the node needs.
 *
 * <p>A POST is never sent twice; a GET on a kept-alive connection the server had closed is retried
 * once on a new one. Not thread-safe: one per thread.
 */
final class RawHttp implements Closeable {

    /** A status and body read by {@link RawHttp}. */
    record Response(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final String host;
    private final int port;
    private final int readTimeoutMs;
    private Socket socket;
    private BufferedInputStream in;
    private OutputStream out;

    RawHttp(String baseUrl, Duration readTimeout) {
        URI u = URI.create(baseUrl);
        this.host = u.getHost();
        this.port = u.getPort() < 0 ? 80 : u.getPort();
        this.readTimeoutMs = (int) readTimeout.toMillis();
    }

    Response get(String pathAndQuery) throws IOException {
        return exchange("GET", pathAndQuery, null);
    }

    Response postJson(String pathAndQuery, byte[] body) throws IOException {
        return exchange("POST", pathAndQuery, body);
    }

    private Response exchange(String method, String pathAndQuery, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(160).append(method).append(' ').append(pathAndQuery)
                .append(" HTTP/1.1\r\nHost: ").append(host).append(':').append(port).append("\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        byte[] h = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = h;
        if (body != null) {
            request = Arrays.copyOf(h, h.length + body.length);
            System.arraycopy(body, 0, request, h.length, body.length);
        }
        boolean fresh = socket == null;
        try {
            connectIfNeeded();
            out.write(request);
            out.flush();
            return readResponse();
        } catch (IOException e) {
            close();
            if (fresh || body != null) {
                throw e; // a POST is never sent twice: the first one may have been written
            }
            // a GET on a kept-alive connection the server had closed: one retry on a new one
            connectIfNeeded();
            out.write(request);
            out.flush();
            return readResponse();
        }
    }

    private void connectIfNeeded() throws IOException {
        if (socket == null) {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 10_000);
            socket.setSoTimeout(readTimeoutMs);
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = socket.getOutputStream();
        }
    }

    private Response readResponse() throws IOException {
        String status = line();
        if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
            throw new IOException("bad status line: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        for (String l = line(); !l.isEmpty(); l = line()) {
            int colon = l.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = l.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                default -> { }
            }
        }
        byte[] body;
        if (code == 204 || code == 304 || code < 200) {
            body = new byte[0];
        } else if (chunked) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int size = chunkSize(); size > 0; size = chunkSize()) {
                b.write(in.readNBytes(size));
                line(); // the CRLF after the chunk
            }
            for (String l = line(); !l.isEmpty(); l = line()) {
                // trailers: none expected
            }
            body = b.toByteArray();
        } else if (length >= 0) {
            body = in.readNBytes((int) length);
            if (body.length < length) {
                throw new IOException("connection closed after " + body.length + " of " + length + " body bytes");
            }
        } else {
            body = in.readAllBytes();
            close = true;
        }
        if (close) {
            close();
        }
        return new Response(code, body);
    }

    private int chunkSize() throws IOException {
        String l = line();
        int semi = l.indexOf(';');
        return Integer.parseInt((semi < 0 ? l : l.substring(0, semi)).trim(), 16);
    }

    /** One header line without its CRLF; EOF before it is an error. */
    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        for (int c = in.read(); ; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed by the server");
            }
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) c);
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        socket = null;
    }
}
