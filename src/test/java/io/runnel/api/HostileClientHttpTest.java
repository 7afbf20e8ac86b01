package io.runnel.api;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.HttpScenarioTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Hostile clients over a real socket: malformed header values, broken framing, bodies shorter
 * than declared from clients that then half-close, garbage request lines. None gets a 5xx: each
 * gets a 4xx problem detail, or the connection is closed without an answer where HTTP allows it;
 * none writes a record, none logs an ERROR, and the node serves normal requests afterwards.
 *
 * <p>The fuzz is bounded and seeded: {@value #CASES} cases drawn from {@value #SEED} (override with
 * {@code -Drunnel.fuzz.seed=…} to explore; the seed in use is printed). Clients that reset the
 * connection right after a short body are not waited for: their requests can write nothing (the
 * body is incomplete), and the log check after them only sees what was logged by then.
 */
@ExtendWith(OutputCaptureExtension.class)
class HostileClientHttpTest extends HttpScenarioTest {
    static final long SEED = 0x14_07L;
    static final int CASES = 400;
    private static final String BODY = "{\"records\":[{\"value\":\"hostile\"}]}";

    @Test
    void brokenContentTypeIsAClientError(CapturedOutput output) throws IOException {
        createTopic("hostile-ct", 1);
        for (String contentType : new String[] {"application/json; charset=", "application/json; charset=\"", "text/", "/", ";",
                "application/json; charset=nope", "application/json; charset=utf-9", "application/json; charset=\u00e9", "\u00e9/json"}) {
            for (String target : new String[] {"/topics/hostile-ct/records", "/topics/hostile-ct/partitions/0/records", "/topics"}) {
                RawHttp.Answer answer = RawHttp.exchange(port, request("POST " + target + " HTTP/1.1",
                        List.of("Content-Type: " + contentType, "Content-Length: " + BODY.length()), BODY.getBytes(UTF_8)));
                assertThat(answer.status()).as(contentType + " " + target + ": " + answer).isBetween(400, 499);
                assertThat(answer.head()).as(answer.toString()).containsIgnoringCase("content-type: application/problem+json");
            }
        }
        assertThat(highWatermarks("hostile-ct")).containsExactly(0);
        assertNothingLogged(output);
    }

    @Test
    void bodyShorterThanItsLengthFromAHalfClosedClientIsA400(CapturedOutput output) throws IOException {
        createTopic("hostile-short", 1);
        for (String target : new String[] {"/topics/hostile-short/records", "/topics/hostile-short/partitions/0/records", "/topics"}) {
            for (int sent : new int[] {0, 1, BODY.length() - 1}) {
                RawHttp.Answer answer = RawHttp.exchange(port, request("POST " + target + " HTTP/1.1",
                        List.of("Content-Type: application/json", "Content-Length: " + (BODY.length() + 10)),
                        BODY.substring(0, sent).getBytes(UTF_8)));
                assertThat(answer.status()).as(target + " " + sent + ": " + answer).isEqualTo(400);
                assertThat(answer.body()).as(answer.toString()).contains("\"code\":\"INVALID_REQUEST\"");
            }
        }
        assertThat(highWatermarks("hostile-short")).containsExactly(0);
        assertNothingLogged(output);
    }

    @Test
    void unknownHttpVersionIsA400NotA505() throws IOException {
        for (String requestLine : new String[] {"GET /topics HTTP/9.9", "GET /topics", "GET /topics HTTP/1.2"}) {
            RawHttp.Answer answer = RawHttp.exchange(port, request(requestLine, List.of(), new byte[0]));
            assertThat(answer.status()).as(requestLine + ": " + answer).isEqualTo(400);
            assertThat(answer.body()).as(answer.toString()).contains("\"status\":400", "\"code\":\"INVALID_REQUEST\"");
        }
    }

    @Test
    void fuzzedHeadersAndFramingNeverGetA5xxNorWriteARecord(CapturedOutput output) throws IOException {
        createTopic("hostile-fuzz", 1);
        long seed = Long.getLong("runnel.fuzz.seed", SEED);
        System.out.println("hostile-client fuzz: seed " + seed + ", " + CASES + " cases; answers per mutation as status=count "
                + "(0: closed without an answer, or a client that left without reading)");
        Random random = new Random(seed);
        List<String> failures = new ArrayList<>();
        int accepted = 0;
        Map<String, SortedMap<Integer, Integer>> statuses = new TreeMap<>();
        for (int i = 0; i < CASES; i++) {
            Template template = TEMPLATES[random.nextInt(TEMPLATES.length)];
            Mutation mutation = MUTATIONS.get(random.nextInt(MUTATIONS.size()));
            Raw raw = template.raw();
            mutation.apply().accept(raw, random);
            RawHttp.Answer answer;
            try {
                answer = raw.abandon ? RawHttp.abandon(port, raw.bytes()) : RawHttp.exchange(port, raw.bytes());
            } catch (IOException e) {
                failures.add("#" + i + " " + template.name() + " / " + mutation.name() + " " + raw.describe() + ": " + e);
                continue;
            }
            statuses.computeIfAbsent(mutation.name(), m -> new TreeMap<>()).merge(answer.status(), 1, Integer::sum);
            if (answer.status() >= 500) {
                failures.add("#" + i + " " + template.name() + " / " + mutation.name() + " " + raw.describe() + ": " + answer);
            }
            if (template.produces() && answer.status() >= 200 && answer.status() < 300
                    && !answer.head().toLowerCase().contains("idempotent-replayed: true")) {
                accepted++;
            }
        }
        statuses.forEach((m, counts) -> System.out.println("  " + m + ": " + counts));
        assertThat(failures).as("seed " + seed).isEmpty();
        assertThat(highWatermarks("hostile-fuzz")[0]).as("records written, seed " + seed + ": only by produces answered 2xx")
                .isEqualTo(accepted);
        assertNothingLogged(output);

        produce("hostile-fuzz", "{\"records\":[{\"value\":\"after\"}]}");
        assertThat(fetch("hostile-fuzz", 0, "?offset=" + accepted).body()).contains("\"after\"");
    }

    /**
     * A client's mistake is not the server's failure: no ERROR line, no stack trace at any level,
     * except one: Jetty's own warning when its HTTP/1 connection releases a pooled request buffer
     * twice ({@link #JETTY_DOUBLE_RELEASE}).
     */
    private static void assertNothingLogged(CapturedOutput output) {
        assertThat(withoutJettyDoubleRelease(output.getAll())).doesNotContain(" ERROR ").doesNotContain("\n\tat ");
    }

    /**
     * Jetty 12's {@code HttpConnection} can release its request buffer twice when a connection
     * fails while the request is still being read (jetty/jetty.project#12939, open upstream, no
     * reproducer; unchanged up to 12.1.13). It shows as a {@code WARN} "Job failed" with an
     * {@code IllegalStateException: already released} whose frames are all Jetty's and the JDK's,
     * through {@code HttpConnection.releaseRequestBuffer}; the client's answer is not affected. Seen
     * once in CI in this fuzz, never in ten local runs. Only a trace of exactly that shape is
     * dropped; anything else still fails the check.
     */
    static final Pattern JETTY_DOUBLE_RELEASE = Pattern.compile(
            "(?m)^[^\n]* WARN [^\n]*o\\.e\\.jetty\\.util\\.thread\\.QueuedThreadPool\\s*: Job failed\\R\\R?"
                    + "java\\.lang\\.IllegalStateException: already released [^\n]*\\R"
                    + "((?:\tat (?:org\\.eclipse\\.jetty\\.|java\\.base/)[^\n]*\\R)+)");

    static String withoutJettyDoubleRelease(String log) {
        Matcher matcher = JETTY_DOUBLE_RELEASE.matcher(log);
        StringBuilder kept = new StringBuilder();
        int from = 0;
        while (matcher.find()) {
            if (matcher.group(1).contains("org.eclipse.jetty.server.internal.HttpConnection.releaseRequestBuffer(")) {
                kept.append(log, from, matcher.start());
                from = matcher.end();
                System.out.println("hostile-client fuzz: Jetty's double release of a request buffer (jetty#12939) logged; not ours");
            }
        }
        return kept.append(log, from, log.length()).toString();
    }

    @Test
    void onlyJettysDoubleReleaseTraceIsForgiven() {
        String jetty = "2026-12-07T16:42:50.784Z  WARN 9450 --- [runnel] [p1140727816-532] o.e.jetty.util.thread.QueuedThreadPool   : Job failed\n"
                + "\n"
                + "java.lang.IllegalStateException: already released oeji.Retainable$ReferenceCounter@55399781[rc=0]\n"
                + "\tat org.eclipse.jetty.io.Retainable$ReferenceCounter.release(Retainable.java:225) ~[jetty-io-12.1.10.jar:12.1.10]\n"
                + "\tat org.eclipse.jetty.server.internal.HttpConnection.releaseRequestBuffer(HttpConnection.java:340) ~[jetty-server-12.1.10.jar:12.1.10]\n"
                + "\tat java.base/java.lang.Thread.run(Thread.java:840) ~[na:na]\n";
        String before = "2026-12-07T16:42:49.863Z  INFO 9450 --- [runnel] [tp1140727816-23] io.runnel.topic.LocalTopicCatalog : Created topic\n";
        assertThat(withoutJettyDoubleRelease(before + jetty + "after\n")).isEqualTo(before + "after\n");
        String ours = jetty.replace("org.eclipse.jetty.io.Retainable$ReferenceCounter.release", "io.runnel.produce.ProduceController.readBody");
        assertThat(withoutJettyDoubleRelease(ours)).isEqualTo(ours);
        String elsewhere = jetty.replace("HttpConnection.releaseRequestBuffer", "HttpConnection.onFillable");
        assertThat(withoutJettyDoubleRelease(elsewhere)).isEqualTo(elsewhere);
        String otherException = jetty.replace("IllegalStateException: already released", "IllegalStateException: boom");
        assertThat(withoutJettyDoubleRelease(otherException)).isEqualTo(otherException);
    }

    /** A request under construction: request line, header lines (duplicates allowed), body. */
    static final class Raw {
        String requestLine;
        final List<String> headers = new ArrayList<>();
        byte[] body;
        /** The client resets the connection right after sending, without reading an answer. */
        boolean abandon;

        Raw(String requestLine, List<String> headers, byte[] body) {
            this.requestLine = requestLine;
            this.headers.addAll(headers);
            this.body = body;
        }

        void set(String name, String value) {
            headers.removeIf(h -> h.regionMatches(true, 0, name + ":", 0, name.length() + 1));
            headers.add(name + ": " + value);
        }

        byte[] bytes() {
            return request(requestLine, headers, body);
        }

        String describe() {
            String text = requestLine + " " + headers + " body " + body.length + "B";
            return text.length() > 300 ? text.substring(0, 300) + "…" : text;
        }
    }

    record Template(String name, boolean produces, String requestLine, List<String> headers, String body) {
        Raw raw() {
            return new Raw(requestLine, headers, body.getBytes(UTF_8));
        }
    }

    record Mutation(String name, BiConsumer<Raw, Random> apply) {
    }

    private static final Template[] TEMPLATES = {
            new Template("produce", true, "POST /topics/hostile-fuzz/records HTTP/1.1",
                    List.of("Content-Type: application/json", "Accept: application/json", "Content-Length: " + BODY.length(),
                            "Idempotency-Key: k-1"), BODY),
            new Template("produce-partition", true, "POST /topics/hostile-fuzz/partitions/0/records HTTP/1.1",
                    List.of("Content-Type: application/json", "Content-Length: " + BODY.length()), BODY),
            new Template("fetch", false, "GET /topics/hostile-fuzz/partitions/0/records?offset=0 HTTP/1.1",
                    List.of("Accept: application/json"), ""),
            new Template("fetch-sse", false, "GET /topics/hostile-fuzz/partitions/0/records HTTP/1.1",
                    List.of("Accept: text/event-stream", "Last-Event-ID: 0"), "")};

    private static final String[] HEADERS = {"Content-Type", "Accept", "Content-Length", "Transfer-Encoding", "Idempotency-Key",
            "Last-Event-ID"};

    /** Header values that are broken for at least one of {@link #HEADERS}. */
    private static String value(Random random) {
        String[] fixed = {"", " ", ";", ",", "/", "a/", "/b", "text/", "*/*;q=", "*/*;q=x", "application/json; charset=",
                "application/json; charset=\"", "application/json; charset=nope", "application/json; charset=utf-16",
                "application/json;;;", "application/json, text/", "application/json; q=2", "\"quoted\"", "\t", "\u007f",
                utf8("\u00e9\u2713"), "\u00ff\u00fe", "-1", "0", "1e3", "0x10", "99999999999999999999", "+5", "5 5", "5,6",
                "chunked", "gzip", "chunked, chunked", "identity", "gzip, chunked", "chunked, gzip", "x".repeat(300),
                "x".repeat(9_000), "k".repeat(256), "-5", "latest", "9223372036854775807"};
        int pick = random.nextInt(fixed.length + 2);
        if (pick < fixed.length) {
            return fixed[pick];
        }
        StringBuilder s = new StringBuilder();
        int length = 1 + random.nextInt(40);
        for (int i = 0; i < length; i++) {
            char c = pick == fixed.length ? (char) (0x21 + random.nextInt(0x5e)) : (char) (0x20 + random.nextInt(0xe0));
            s.append(c == 0x7f ? '~' : c);
        }
        return s.toString();
    }

    private static final String LAST_CHUNK = "0\r\n\r\n";
    private static final String[] BAD_CHUNK_SIZES = {"zz", "-1", "ffffffffffffffffffff", "", " 1", "1;" + "e".repeat(9000)};

    private static final List<Mutation> MUTATIONS = List.of(
            new Mutation("replace header", (raw, r) -> raw.set(HEADERS[r.nextInt(HEADERS.length)], value(r))),
            new Mutation("duplicate header", (raw, r) -> raw.headers.add(HEADERS[r.nextInt(HEADERS.length)] + ": " + value(r))),
            new Mutation("two broken headers", (raw, r) -> {
                raw.set(HEADERS[r.nextInt(HEADERS.length)], value(r));
                raw.set(HEADERS[r.nextInt(HEADERS.length)], value(r));
            }),
            new Mutation("header without colon", (raw, r) -> raw.headers.add("Content-Type application/json")),
            new Mutation("header name non-ASCII", (raw, r) -> raw.headers.add(utf8("Cont\u00e9nt-Type") + ": application/json")),
            new Mutation("folded header", (raw, r) -> raw.headers.add(" continued-" + value(r))),
            new Mutation("control character in value", (raw, r) -> raw.set(HEADERS[r.nextInt(HEADERS.length)], "a\u0000b")),
            new Mutation("oversized header", (raw, r) -> raw.set(HEADERS[r.nextInt(HEADERS.length)], "y".repeat(20_000))),
            new Mutation("short body, half-close", (raw, r) -> shortBody(raw, r)),
            new Mutation("short body, client gone", (raw, r) -> {
                shortBody(raw, r);
                raw.abandon = true;
            }),
            new Mutation("long body, short length",
                    (raw, r) -> raw.set("Content-Length", Integer.toString(r.nextInt(raw.body.length + 1)))),
            new Mutation("chunked, valid framing", (raw, r) -> chunked(raw, Integer.toHexString(raw.body.length), LAST_CHUNK)),
            new Mutation("chunked, bad size", (raw, r) -> chunked(raw, BAD_CHUNK_SIZES[r.nextInt(BAD_CHUNK_SIZES.length)], LAST_CHUNK)),
            new Mutation("chunked, size past the data, half-close",
                    (raw, r) -> chunked(raw, Integer.toHexString(raw.body.length + 50), "")),
            new Mutation("chunked, no last chunk, half-close", (raw, r) -> chunked(raw, Integer.toHexString(raw.body.length), "")),
            new Mutation("chunked, garbage trailer",
                    (raw, r) -> chunked(raw, Integer.toHexString(raw.body.length), "0\r\nx\u0001y\r\n\r\n")),
            new Mutation("chunked and Content-Length", (raw, r) -> {
                raw.set("Content-Length", Integer.toString(raw.body.length));
                raw.headers.add("Transfer-Encoding: chunked");
            }),
            new Mutation("garbage request line", (raw, r) -> raw.requestLine = new String[] {"GARBAGE", "", " ", "\u0000",
                    raw.requestLine.replace("HTTP/1.1", "HTTP/9.9"), raw.requestLine.replace(" HTTP/1.1", ""),
                    raw.requestLine.toLowerCase(), raw.requestLine.replace("/records", "/rec ords"),
                    raw.requestLine.replace("/records", "/%zz"), raw.requestLine.replace("/records", utf8("/r\u00e9cords")),
                    raw.requestLine.replace("/records", "/" + "r".repeat(20_000)),
                    raw.requestLine.replace("/topics", "http://[::1/topics"),
                    raw.requestLine.replace(" /", " *"), "POST\t/topics HTTP/1.1", value(r)}[r.nextInt(15)]));

    /** Declares more than is sent; the client then half-closes (or leaves). */
    private static void shortBody(Raw raw, Random r) {
        raw.set("Content-Length", Integer.toString(raw.body.length + 1 + r.nextInt(100)));
        raw.body = Arrays.copyOf(raw.body, r.nextInt(raw.body.length + 1));
    }

    private static void chunked(Raw raw, String size, String end) {
        raw.headers.removeIf(h -> h.regionMatches(true, 0, "Content-Length:", 0, 15));
        raw.set("Transfer-Encoding", "chunked");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((size + "\r\n").getBytes(ISO_8859_1));
        out.writeBytes(raw.body);
        out.writeBytes(("\r\n" + end).getBytes(ISO_8859_1));
        raw.body = out.toByteArray();
    }

    /** The UTF-8 bytes of {@code s} as ISO-8859-1 characters, so that they go on the wire as UTF-8. */
    private static String utf8(String s) {
        return new String(s.getBytes(UTF_8), ISO_8859_1);
    }

    static byte[] request(String requestLine, List<String> headers, byte[] body) {
        StringBuilder head = new StringBuilder(requestLine).append("\r\nHost: localhost\r\nConnection: close\r\n");
        headers.forEach(h -> head.append(h).append("\r\n"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.append("\r\n").toString().getBytes(ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }
}
