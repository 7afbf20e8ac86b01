package io.runnel.cluster;

import io.runnel.api.Problems;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Forwards a public HTTP call to the instance that must answer it (partition leader, group
 * coordinator, controller) and streams that instance's answer back: clients never see a redirect.
 *
 * <ul>
 * <li><b>Request:</b> same method; the target base URL + the raw (still encoded) request URI and
 * query; the body, read fully (forwarded calls carry small bodies); every header except hop-by-hop
 * ones (Connection and the names it lists, Keep-Alive, Transfer-Encoding, TE, Trailer, Upgrade,
 * Proxy-*) and Host, Content-Length, Expect (the client sets those). {@value #FORWARDED_BY} and
 * {@value #CLUSTER_SECRET} are added, replacing any the client sent. The caller authenticated here goes
 * along: the request attributes {@link #PRINCIPAL_ATTRIBUTE} and {@link #CREDENTIAL_ATTRIBUTE} (set by
 * authentication, text forms) become {@value #FORWARDED_PRINCIPAL} and {@value #FORWARDED_CREDENTIAL}
 * ({@link #headerValue percent-encoded}); a client's own copies of those two headers are always dropped,
 * so only an instance holding the cluster secret ever sends them; so are a task's {@value #TASK_PRINCIPAL} and
 * {@value #TASK_TOKEN}, which only the process that made them believes. No request timeout: only
 * connecting is bounded; long polls and SSE streams last until the upstream ends them.
 * <li><b>Response:</b> status and headers except hop-by-hop ones (Content-Length is kept when the
 * upstream sent one: the bytes are relayed unchanged). Each body chunk is written and flushed as
 * it arrives, and a response without Content-Length has its headers flushed at once, so
 * Server-Sent Events reach the client as the upstream writes them.
 * <li><b>Threading:</b> the servlet request goes async with no container timeout, and no thread
 * waits while the upstream is silent. Headers and chunks are written (blocking) on one of the
 * forwarder's daemon threads ({@value #THREADS} {@code runnel-forward-N} of its own, or the
 * executor it was given: {@code runnel.threads.forwarding} of them in the application).
 * <li><b>Failures:</b> upstream unreachable (connect refused or timed out, closed before its
 * headers) or failing before anything was sent to the client: an {@code application/problem+json}
 * answer with the caller's code (503 {@code LEADER_NOT_AVAILABLE} by default) and the target id as
 * {@code instance}. Upstream failing after the response was committed: the response is completed
 * as it is. Client gone (a write fails; the async context errors, times out or completes early):
 * the upstream exchange is cancelled, which closes its connection. The async context is completed
 * exactly once. A request that cannot be forwarded (body unreadable, no valid URI) gets 400
 * {@code INVALID_REQUEST} at once, without going async.
 * </ul>
 *
 * <p>TLS: an {@code https} target is called with the {@link InstanceTls} given (its certificate
 * and host name verified); {@link InstanceTls#OFF} leaves the JDK's default context.
 *
 * <p>Thread-safe; one instance serves every forward. Close it on shutdown, after the web server
 * stopped: closing stops the threads that relay answers still in flight.
 */
public final class HttpForwarder implements AutoCloseable {
    public static final String FORWARDED_BY = "Runnel-Forwarded-By";
    public static final String CLUSTER_SECRET = "Runnel-Cluster-Secret";
    /** The principal the forwarding instance authenticated ({@code User:alice}), percent-encoded. */
    public static final String FORWARDED_PRINCIPAL = "Runnel-Forwarded-Principal";
    /** The credential that proved it ({@code api-key:<id>}, {@code jwt}, …; never a secret), percent-encoded. */
    public static final String FORWARDED_CREDENTIAL = "Runnel-Forwarded-Credential";
    /** A server-side task's principal ({@code io.runnel.security.TaskIdentity}), percent-encoded; never forwarded. */
    public static final String TASK_PRINCIPAL = "Runnel-Task-Principal";
    /** The process-local token that vouches for {@link #TASK_PRINCIPAL}; never forwarded. */
    public static final String TASK_TOKEN = "Runnel-Task-Token";
    /** Request attribute (a {@code String}): the authenticated principal to forward; absent = none. */
    public static final String PRINCIPAL_ATTRIBUTE = HttpForwarder.class.getName() + ".principal";
    /** Request attribute (a {@code String}): the credential of {@link #PRINCIPAL_ATTRIBUTE}. */
    public static final String CREDENTIAL_ATTRIBUTE = HttpForwarder.class.getName() + ".credential";
    static final int THREADS = 4;

    private static final Set<String> HOP_BY_HOP =
            Set.of("connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade");
    /** Request headers the JDK client sets itself (it refuses most of them) or that this class sets. */
    private static final Set<String> NOT_COPIED_TO_UPSTREAM = Set.of("host", "content-length", "expect",
            FORWARDED_BY.toLowerCase(Locale.ROOT), CLUSTER_SECRET.toLowerCase(Locale.ROOT),
            FORWARDED_PRINCIPAL.toLowerCase(Locale.ROOT), FORWARDED_CREDENTIAL.toLowerCase(Locale.ROOT),
            TASK_PRINCIPAL.toLowerCase(Locale.ROOT), TASK_TOKEN.toLowerCase(Locale.ROOT));

    /** Where one forward goes, and the code to answer with when it cannot get there. */
    private record Target(String id, String baseUrl, ErrorCode unreachable) {}

    private final String selfId;
    private final String secret;
    private final ExecutorService executor;
    private final boolean ownExecutor;
    private final HttpClient client;
    private final AtomicLong forwarded = new AtomicLong();

    /** A forwarder with {@value #THREADS} threads of its own, which {@link #close} stops. */
    public HttpForwarder(String selfId, String secret, Duration connectTimeout) {
        this(selfId, secret, connectTimeout, ownThreads(), true, InstanceTls.OFF);
    }

    /**
     * A forwarder relaying answers on {@code executor}, whose threads' context class loader must be
     * the application's (not a request's); {@link #close} leaves it running.
     */
    public HttpForwarder(String selfId, String secret, Duration connectTimeout, ExecutorService executor) {
        this(selfId, secret, connectTimeout, executor, false, InstanceTls.OFF);
    }

    /** As {@link #HttpForwarder(String, String, Duration, ExecutorService)}, calling {@code https} targets with {@code tls}. */
    public HttpForwarder(String selfId, String secret, Duration connectTimeout, ExecutorService executor, InstanceTls tls) {
        this(selfId, secret, connectTimeout, executor, false, tls);
    }

    private HttpForwarder(String selfId, String secret, Duration connectTimeout, ExecutorService executor, boolean ownExecutor,
                          InstanceTls tls) {
        this.selfId = selfId;
        this.secret = secret;
        this.executor = executor;
        this.ownExecutor = ownExecutor;
        this.client = tls.configure(HttpClient.newBuilder()).version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .proxy(HttpClient.Builder.NO_PROXY).followRedirects(HttpClient.Redirect.NEVER).executor(executor).build();
    }

    /** Forwards this request to targetBaseUrl (e.g. "http://127.0.0.1:8081") + the same path and query; answers the client asynchronously. */
    public void forward(HttpServletRequest request, HttpServletResponse response, String targetBaseUrl, String targetId) {
        forward(request, response, targetBaseUrl, targetId, ErrorCode.LEADER_NOT_AVAILABLE);
    }

    /** As {@link #forward(HttpServletRequest, HttpServletResponse, String, String)}, answering {@code unreachableCode} when the target cannot be reached. */
    public void forward(HttpServletRequest request, HttpServletResponse response, String targetBaseUrl, String targetId,
            ErrorCode unreachableCode) {
        Target target = new Target(targetId, targetBaseUrl, unreachableCode);
        HttpRequest upstream;
        try {
            upstream = upstreamRequest(request, targetBaseUrl);
        } catch (IOException | IllegalArgumentException e) { // body unreadable, or no valid URI
            try {
                writeProblem(response, ErrorCode.INVALID_REQUEST, "cannot forward to " + targetId + ": " + reason(e), targetId);
            } catch (IOException | RuntimeException ignored) {
                // the client is gone
            }
            return;
        }
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        Exchange exchange = new Exchange(async, response, target);
        async.addListener(exchange);
        forwarded.incrementAndGet();
        try {
            exchange.start(client.sendAsync(upstream, BodyHandlers.ofPublisher()));
        } catch (RuntimeException notSent) { // e.g. the forwarder was closed
            exchange.fail(notSent);
        }
    }

    /** How many requests were sent upstream. */
    public long forwarded() {
        return forwarded.get();
    }

    private static ExecutorService ownThreads() {
        AtomicInteger threads = new AtomicInteger();
        return Executors.newFixedThreadPool(THREADS, task -> {
            Thread thread = new Thread(task, "runnel-forward-" + threads.incrementAndGet());
            thread.setDaemon(true);
            thread.setContextClassLoader(HttpForwarder.class.getClassLoader()); // not the request's web app loader
            return thread;
        });
    }

    /** Stops the forwarder's own threads; a shared executor is stopped by its owner. */
    @Override
    public void close() {
        if (ownExecutor) {
            executor.shutdownNow();
        }
    }

    private HttpRequest upstreamRequest(HttpServletRequest request, String targetBaseUrl) throws IOException {
        byte[] body = request.getInputStream().readAllBytes();
        String query = request.getQueryString();
        URI uri = URI.create(targetBaseUrl + request.getRequestURI() + (query == null ? "" : "?" + query));
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).method(request.getMethod(),
                body.length == 0 ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
        Set<String> listed = connectionTokens(request.getHeaders("Connection"));
        for (String name : Collections.list(request.getHeaderNames())) {
            if (isEndToEnd(name, listed) && !NOT_COPIED_TO_UPSTREAM.contains(name.toLowerCase(Locale.ROOT))) {
                for (String value : Collections.list(request.getHeaders(name))) {
                    try {
                        builder.header(name, value);
                    } catch (IllegalArgumentException restrictedOrInvalid) {
                        // the JDK client sets or refuses this header itself
                    }
                }
            }
        }
        if (request.getAttribute(PRINCIPAL_ATTRIBUTE) instanceof String principal) {
            builder.setHeader(FORWARDED_PRINCIPAL, headerValue(principal));
            if (request.getAttribute(CREDENTIAL_ATTRIBUTE) instanceof String credential) {
                builder.setHeader(FORWARDED_CREDENTIAL, headerValue(credential));
            }
        }
        return builder.setHeader(FORWARDED_BY, selfId).setHeader(CLUSTER_SECRET, secret).build();
    }

    /**
     * {@code text} as a header value of plain ASCII whatever it contains (principal names come from JWT claims and
     * certificate subjects): UTF-8, percent-encoded as in a form ({@link URLEncoder}); {@link #textOf} reverses it.
     */
    public static String headerValue(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    /** The text of a {@link #headerValue}; {@link IllegalArgumentException} for a broken encoding. */
    public static String textOf(String headerValue) {
        return URLDecoder.decode(headerValue, StandardCharsets.UTF_8);
    }

    private static Set<String> connectionTokens(Enumeration<String> values) {
        Set<String> tokens = new HashSet<>();
        for (String value : values == null ? List.<String>of() : Collections.list(values)) {
            for (String token : value.split(",")) {
                tokens.add(token.trim().toLowerCase(Locale.ROOT));
            }
        }
        return tokens;
    }

    private static boolean isEndToEnd(String name, Set<String> connectionTokens) {
        String lower = name.toLowerCase(Locale.ROOT);
        return !HOP_BY_HOP.contains(lower) && !lower.startsWith("proxy-") && !lower.startsWith(":")
                && !connectionTokens.contains(lower);
    }

    private static void writeProblem(HttpServletResponse response, ErrorCode code, String detail, String instance)
            throws IOException {
        Problems.write(response, new RunnelException(code, detail).with("instance", instance));
    }

    private static String reason(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        String name = cause.getClass().getSimpleName();
        return message == null || message.isBlank() ? name : name + ": " + message;
    }

    /** One forward in flight: relays the upstream answer and watches the client's side. */
    private static final class Exchange implements Flow.Subscriber<List<ByteBuffer>>, AsyncListener {
        private final AsyncContext async;
        private final HttpServletResponse response;
        private final Target target;
        private final AtomicBoolean finished = new AtomicBoolean();
        private volatile CompletableFuture<?> pending;
        private volatile Flow.Subscription subscription;

        Exchange(AsyncContext async, HttpServletResponse response, Target target) {
            this.async = async;
            this.response = response;
            this.target = target;
        }

        void start(CompletableFuture<HttpResponse<Flow.Publisher<List<ByteBuffer>>>> sent) {
            pending = sent;
            if (finished.get()) {
                sent.cancel(true);
            }
            sent.whenComplete((upstream, failure) -> {
                try {
                    if (failure != null) {
                        fail(failure);
                    } else {
                        relayHeaders(upstream);
                        upstream.body().subscribe(this);
                    }
                } catch (RuntimeException unexpected) { // never leave the client waiting: there is no async timeout
                    fail(unexpected);
                }
            });
        }

        private void relayHeaders(HttpResponse<?> upstream) {
            if (finished.get()) {
                return; // onSubscribe cancels the body
            }
            try {
                response.setStatus(upstream.statusCode());
                Set<String> listed = connectionTokens(Collections.enumeration(upstream.headers().allValues("connection")));
                upstream.headers().map().forEach((name, values) -> {
                    if (isEndToEnd(name, listed)) {
                        values.forEach(value -> response.addHeader(name, value));
                    }
                });
                if (upstream.headers().firstValue("content-length").isEmpty()) {
                    response.flushBuffer(); // a stream: the client sees its headers before the first event
                }
            } catch (IOException | RuntimeException clientGone) {
                finish();
            }
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            if (finished.get()) {
                subscription.cancel();
            } else {
                subscription.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> chunk) {
            if (finished.get()) {
                return;
            }
            try {
                ServletOutputStream out = response.getOutputStream();
                for (ByteBuffer buffer : chunk) {
                    byte[] bytes = new byte[buffer.remaining()];
                    buffer.get(bytes);
                    out.write(bytes);
                }
                out.flush();
            } catch (IOException | RuntimeException clientGone) {
                finish();
                return;
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable failure) {
            fail(failure);
        }

        @Override
        public void onComplete() {
            finish();
        }

        /** The upstream failed: a problem if nothing reached the client yet, else the response ends as it is. */
        void fail(Throwable failure) {
            if (!finished.get() && !response.isCommitted()) {
                try {
                    response.reset();
                    writeProblem(response, target.unreachable(), "cannot reach " + target.id() + " at "
                            + target.baseUrl() + ": " + reason(failure), target.id());
                } catch (IOException | RuntimeException clientGone) {
                    // finish below either way
                }
            }
            finish();
        }

        /** Ends the exchange once: releases the upstream connection and completes the async context. */
        private void finish() {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            Flow.Subscription current = subscription;
            if (current != null) {
                current.cancel();
            }
            CompletableFuture<?> sent = pending;
            if (sent != null) {
                sent.cancel(true);
            }
            try {
                async.complete();
            } catch (IllegalStateException alreadyCompleted) {
                // the container completed it (client error or early completion)
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
            finish();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            finish();
        }

        @Override
        public void onError(AsyncEvent event) {
            finish();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // not restarted
        }
    }
}
