package io.runnel.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.error.ErrorCode;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.json.JsonMapper;

/**
 * Real HTTP through two embedded Jetty servers (the container Runnel runs on): a front whose only servlet forwards everything, and an
 * upstream that echoes, streams Server-Sent Events and answers slowly. Only orderings are
 * asserted, never durations; every wait is bounded.
 */
@Timeout(60)
class HttpForwarderTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int CONCURRENT = 50;
    private static final int FRONT_THREADS = 10;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ScheduledThreadPoolExecutor ticker = new ScheduledThreadPoolExecutor(2);
    /** The test read the first event; the upstream holds back the third event until then. */
    private final CountDownLatch firstEventRead = new CountDownLatch(1);
    private final AtomicBoolean thirdEventWritten = new AtomicBoolean();
    private final AtomicBoolean sseWriteFailed = new AtomicBoolean();
    private final AtomicInteger slowAnswered = new AtomicInteger();
    private final CountDownLatch slowArrivals = new CountDownLatch(CONCURRENT);

    private HttpForwarder forwarder;
    /** Front requests in async mode: counted from their dispatch's end until the container completes them. */
    private final AtomicInteger frontWaiting = new AtomicInteger();

    private Server upstream;
    private Server front;
    private String upstreamUrl;
    private volatile String target;

    @BeforeEach
    void start() throws Exception {
        ticker.prestartAllCoreThreads();
        forwarder = new HttpForwarder("front", "s3cret", Duration.ofSeconds(2));
        upstream = jetty("upstream", new Upstream(), 200);
        upstreamUrl = "http://127.0.0.1:" + port(upstream);
        target = upstreamUrl;
        front = jetty("front", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) {
                if (req.getRequestURI().startsWith("/as-alice")) { // as if authentication had found User:alice
                    req.setAttribute(HttpForwarder.PRINCIPAL_ATTRIBUTE, "User:alice Ünïcode");
                    req.setAttribute(HttpForwarder.CREDENTIAL_ATTRIBUTE, "api-key:k1");
                }
                if (req.getRequestURI().startsWith("/controller")) {
                    forwarder.forward(req, resp, target, "up", ErrorCode.CONTROLLER_NOT_AVAILABLE);
                } else {
                    forwarder.forward(req, resp, target, "up");
                }
            }
        }, FRONT_THREADS);
    }

    @AfterEach
    void stop() throws Exception {
        firstEventRead.countDown();
        for (Server server : new Server[] {front, upstream}) {
            if (server != null) {
                server.stop();
            }
        }
        forwarder.close();
        ticker.shutdownNow();
    }

    @Test
    @SuppressWarnings("unchecked")
    void forwardsMethodRawPathQueryHeadersAndBodyAndRelaysTheAnswer() throws Exception {
        HttpResponse<String> response = http.send(request("/topics/a%2Fb/records?key=x%2Fy&n=1")
                .header("Content-Type", "application/json").header("X-Custom", "yes")
                .header("Keep-Alive", "timeout=5").header("Proxy-Authorization", "Basic eDp5")
                .header(HttpForwarder.FORWARDED_BY, "spoofed")
                .POST(BodyPublishers.ofString("{\"v\":1}")).build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.headers().firstValue("Location")).contains("/topics/a%2Fb/records/0");
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        Map<String, Object> echo = JSON.readValue(response.body(), Map.class);
        assertThat(echo).containsEntry("method", "POST").containsEntry("path", "/topics/a%2Fb/records")
                .containsEntry("query", "key=x%2Fy&n=1").containsEntry("body", "{\"v\":1}");
        assertThat((Map<String, String>) echo.get("headers"))
                .containsEntry("runnel-forwarded-by", "front").containsEntry("runnel-cluster-secret", "s3cret")
                .containsEntry("x-custom", "yes").containsEntry("content-type", "application/json")
                .containsEntry("host", upstreamUrl.substring("http://".length()))
                .doesNotContainKeys("keep-alive", "proxy-authorization");
        assertThat(forwarder.forwarded()).isEqualTo(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void sendsTheAuthenticatedPrincipalAndNeverTheClientsOwn() throws Exception {
        HttpResponse<String> spoofed = http.send(request("/echo").header(HttpForwarder.FORWARDED_PRINCIPAL, "User:admin")
                .header(HttpForwarder.FORWARDED_CREDENTIAL, "bootstrap-key").header(HttpForwarder.CLUSTER_SECRET, "guess")
                .GET().build(), BodyHandlers.ofString());
        assertThat((Map<String, String>) JSON.readValue(spoofed.body(), Map.class).get("headers"))
                .doesNotContainKeys("runnel-forwarded-principal", "runnel-forwarded-credential")
                .containsEntry("runnel-cluster-secret", "s3cret");

        HttpResponse<String> authenticated = http.send(request("/as-alice").header(HttpForwarder.FORWARDED_PRINCIPAL, "User:admin")
                .GET().build(), BodyHandlers.ofString());
        Map<String, String> headers = (Map<String, String>) JSON.readValue(authenticated.body(), Map.class).get("headers");
        assertThat(headers).containsEntry("runnel-forwarded-credential", "api-key%3Ak1");
        assertThat(HttpForwarder.textOf(headers.get("runnel-forwarded-principal"))).isEqualTo("User:alice Ünïcode");
    }

    @Test
    @SuppressWarnings("unchecked")
    void neverForwardsATasksIdentityHeaders() throws Exception {
        HttpResponse<String> answer = http.send(request("/as-alice").header(HttpForwarder.TASK_PRINCIPAL, "User%3Aalice")
                .header(HttpForwarder.TASK_TOKEN, "process-local").GET().build(), BodyHandlers.ofString());

        assertThat((Map<String, String>) JSON.readValue(answer.body(), Map.class).get("headers"))
                .doesNotContainKeys("runnel-task-principal", "runnel-task-token").containsKey("runnel-forwarded-principal");
    }

    @Test
    void dropsHeadersTheClientNamedInConnection() throws Exception {
        String answer;
        try (Socket socket = rawRequest("GET /echo HTTP/1.1\r\nHost: front\r\nConnection: close, X-Hop\r\n"
                + "X-Hop: 1\r\nX-Kept: 2\r\nTE: trailers\r\n\r\n")) {
            answer = new String(socket.getInputStream().readAllBytes(), UTF_8);
        }

        assertThat(answer).startsWith("HTTP/1.1 201").contains("\"x-kept\":\"2\"")
                .doesNotContain("x-hop").doesNotContain("\"te\"");
    }

    @Test
    void streamsServerSentEventsAsTheUpstreamWritesThem() throws Exception {
        HttpResponse<Stream<String>> response = http.send(request("/sse").GET().build(), BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));

        List<String> events = new ArrayList<>();
        Boolean thirdWrittenWhenFirstRead = null;
        try (Stream<String> lines = response.body()) {
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.startsWith("data:")) {
                    if (events.isEmpty()) {
                        thirdWrittenWhenFirstRead = thirdEventWritten.get();
                        firstEventRead.countDown();
                    }
                    events.add(line);
                }
            }
        }

        assertThat(events).containsExactly("data: 0", "data: 1", "data: 2");
        // a buffering forwarder shows nothing until the upstream is done, so the third event (held back
        // until the first is read, for at most 10 s) would already be written when the first is read
        assertThat(thirdWrittenWhenFirstRead).isFalse();
    }

    @Test
    @SuppressWarnings("unchecked")
    void answers503ProblemWhenTheUpstreamIsNotListening() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        target = "http://127.0.0.1:" + port;

        HttpResponse<String> response = http.send(request("/topics/t/records").GET().build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        Map<String, Object> problem = JSON.readValue(response.body(), Map.class);
        assertThat(problem).containsEntry("type", "https://runnel.io/problems/leader-not-available")
                .containsEntry("title", "Leader not available").containsEntry("status", 503)
                .containsEntry("code", "LEADER_NOT_AVAILABLE").containsEntry("instance", "up");
        assertThat((String) problem.get("detail")).startsWith("cannot reach up at " + target + ": ");

        HttpResponse<String> controller = http.send(request("/controller/topics").GET().build(), BodyHandlers.ofString());
        assertThat(controller.statusCode()).isEqualTo(503);
        assertThat(controller.body()).contains("\"code\":\"CONTROLLER_NOT_AVAILABLE\"");
    }

    @Test
    void answers503ProblemWhenTheUpstreamClosesBeforeItsHeaders() throws Exception {
        try (ServerSocket closer = new ServerSocket(0)) {
            Thread acceptor = new Thread(() -> {
                while (!closer.isClosed()) {
                    try (Socket socket = closer.accept()) {
                        socket.getInputStream().read(new byte[8192]);
                    } catch (IOException closed) {
                        // next connection, or the test is over
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            target = "http://127.0.0.1:" + closer.getLocalPort();

            HttpResponse<String> response = http.send(request("/topics/t/records").GET().build(), BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("\"code\":\"LEADER_NOT_AVAILABLE\"");
        }
    }

    @Test
    void aClientLeavingAStreamCancelsTheUpstreamAndLaterForwardsWork() throws Exception {
        try (Socket socket = rawRequest("GET /sse?count=1000 HTTP/1.1\r\nHost: front\r\n\r\n")) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), UTF_8));
            for (String line = reader.readLine(); !"data: 0".equals(line); line = reader.readLine()) {
                assertThat(line).isNotNull();
            }
            firstEventRead.countDown();
        }

        // the front notices on a later write and cancels the upstream exchange, closing its connection
        await().atMost(TIMEOUT).untilTrue(sseWriteFailed);
        await().atMost(TIMEOUT).until(() -> waitingRequests(front) == 0);
        assertForwardingWorks();
    }

    @Test
    void aClientLeavingALongPollLeavesTheForwarderWorking() throws Exception {
        try (Socket socket = rawRequest("GET /slow HTTP/1.1\r\nHost: front\r\n\r\n")) {
            await().atMost(TIMEOUT).until(() -> forwarder.forwarded() == 1);
        }

        await().atMost(TIMEOUT).until(() -> slowAnswered.get() == 1);
        await().atMost(TIMEOUT).until(() -> waitingRequests(front) == 0);
        assertForwardingWorks();
    }

    @Test
    void waitingForwardsHoldNoFrontThread() {
        // each upstream answer waits until all CONCURRENT requests arrived (at most 5 s): with
        // FRONT_THREADS threads that only happens if no front thread waits for its upstream
        List<CompletableFuture<HttpResponse<String>>> calls = IntStream.range(0, CONCURRENT)
                .mapToObj(i -> http.sendAsync(request("/slow?together").GET().build(), BodyHandlers.ofString()))
                .toList();

        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.join();
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("arrived together: true");
        }
        assertThat(forwarder.forwarded()).isEqualTo(CONCURRENT);
    }

    private void assertForwardingWorks() throws Exception {
        HttpResponse<String> response = http.send(request("/after?x=1").GET().build(), BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).contains("\"path\":\"/after\"", "\"query\":\"x=1\"");
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(front) + pathAndQuery))
                .timeout(TIMEOUT);
    }

    private Socket rawRequest(String head) throws IOException {
        Socket socket = new Socket("127.0.0.1", port(front));
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        socket.getOutputStream().write(head.getBytes(UTF_8));
        socket.getOutputStream().flush();
        return socket;
    }

    private int waitingRequests(Server server) {
        assertThat(server).isSameAs(front);
        return frontWaiting.get();
    }

    private static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    private Server jetty(String name, HttpServlet servlet, int maxThreads) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(maxThreads, Math.min(4, maxThreads));
        threads.setName(name);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        HttpConfiguration config = connector.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration();
        config.setUriCompliance(config.getUriCompliance().with("test", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.getServletHandler().setDecodeAmbiguousURIs(true);
        HttpServlet counted = new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws jakarta.servlet.ServletException, IOException {
                servlet.service((jakarta.servlet.ServletRequest) req, resp);
                if (req.isAsyncStarted() && "front".equals(name)) {
                    frontWaiting.incrementAndGet();
                    req.getAsyncContext().addListener(new jakarta.servlet.AsyncListener() {
                        @Override
                        public void onComplete(jakarta.servlet.AsyncEvent event) {
                            frontWaiting.decrementAndGet();
                        }

                        @Override
                        public void onTimeout(jakarta.servlet.AsyncEvent event) {
                        }

                        @Override
                        public void onError(jakarta.servlet.AsyncEvent event) {
                        }

                        @Override
                        public void onStartAsync(jakarta.servlet.AsyncEvent event) {
                        }
                    });
                }
            }
        };
        ServletHolder holder = new ServletHolder(name, counted);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/*");
        server.setHandler(context);
        server.start();
        return server;
    }

    /** Echoes requests as JSON (201), streams events on /sse, answers /slow late. */
    private final class Upstream extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (req.getRequestURI().startsWith("/sse")) {
                sse(req, resp);
            } else if (req.getRequestURI().startsWith("/slow")) {
                slow(req, resp);
            } else {
                echo(req, resp);
            }
        }

        private void echo(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            Map<String, String> headers = new TreeMap<>();
            for (String name : Collections.list(req.getHeaderNames())) {
                headers.put(name.toLowerCase(), String.join(",", Collections.list(req.getHeaders(name))));
            }
            Map<String, Object> echo = new LinkedHashMap<>();
            echo.put("method", req.getMethod());
            echo.put("path", req.getRequestURI());
            echo.put("query", req.getQueryString());
            echo.put("body", new String(req.getInputStream().readAllBytes(), UTF_8));
            echo.put("headers", headers);
            resp.setStatus(201);
            resp.setHeader("Location", req.getRequestURI() + "/0");
            resp.setContentType("application/json");
            resp.getOutputStream().write(JSON.writeValueAsBytes(echo));
        }

        private void sse(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String count = req.getParameter("count");
            resp.setContentType("text/event-stream");
            AsyncContext async = req.startAsync();
            async.setTimeout(0);
            event(async, resp.getOutputStream(), 0, count == null ? 3 : Integer.parseInt(count));
        }

        /** Writes event n, 200 ms after the previous one; the third waits until the test read the first. */
        private void event(AsyncContext async, ServletOutputStream out, int n, int count) {
            ticker.schedule(() -> {
                try {
                    if (n == 2) {
                        firstEventRead.await(10, TimeUnit.SECONDS);
                        thirdEventWritten.set(true);
                    }
                    out.write(("data: " + n + "\n\n").getBytes(UTF_8));
                    out.flush();
                    if (n + 1 < count) {
                        event(async, out, n + 1, count);
                        return;
                    }
                } catch (IOException clientGone) {
                    sseWriteFailed.set(true);
                } catch (InterruptedException stopping) {
                    Thread.currentThread().interrupt();
                }
                try {
                    async.complete();
                } catch (IllegalStateException alreadyCompleted) {
                    // the container ended it after the failed write
                }
            }, n == 0 ? 0 : 200, TimeUnit.MILLISECONDS);
        }

        private void slow(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String answer;
            try {
                if (req.getParameter("together") != null) {
                    slowArrivals.countDown();
                    answer = "arrived together: " + slowArrivals.await(5, TimeUnit.SECONDS);
                } else {
                    Thread.sleep(1000);
                    answer = "slow";
                }
            } catch (InterruptedException stopping) {
                Thread.currentThread().interrupt();
                answer = "interrupted";
            }
            resp.setStatus(200);
            resp.getOutputStream().write(answer.getBytes(UTF_8));
            slowAnswered.incrementAndGet();
        }
    }
}
