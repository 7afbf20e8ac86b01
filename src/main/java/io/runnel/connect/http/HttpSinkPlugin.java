package io.runnel.connect.http;

import io.runnel.connect.ConnectorPlugin;
import io.runnel.connect.ConnectorType;
import io.runnel.connect.Task;
import io.runnel.connect.TaskContext;
import io.runnel.connect.Transforms;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Component;

/**
 * The {@code http-sink} connector class: delivers records of topics to an HTTP endpoint (see
 * {@link HttpSinkConfig} for the keys, {@link PartitionSink} for the delivery loop).
 *
 * <p>Owns one {@link HttpClient} for every delivery of every http-sink task in the process. It is
 * fully asynchronous: a request waiting for a slow or hung receiver holds a connection and a timer,
 * never a thread, so a slow receiver delays only the partitions that deliver to it. Connections are
 * bounded by the batches in flight (at most one per partition a task delivers). Its two threads
 * (daemons {@code runnel-http-sink-N}) only run completions, which never block. Thread-safe.
 */
@Component
public class HttpSinkPlugin implements ConnectorPlugin, AutoCloseable {
    /** Bound on opening a connection to a receiver; {@code http.timeout.ms} bounds each request as a whole. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private final ExecutorService completions;
    private final HttpClient client;
    private final Clock clock;

    public HttpSinkPlugin() {
        this(Clock.systemUTC());
    }

    HttpSinkPlugin(Clock clock) {
        this.clock = clock;
        AtomicInteger threads = new AtomicInteger();
        this.completions = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "runnel-http-sink-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).executor(completions).build();
    }

    @Override
    public String className() {
        return "http-sink";
    }

    @Override
    public ConnectorType type() {
        return ConnectorType.SINK;
    }

    @Override
    public Map<String, String> validate(Map<String, String> config) {
        return HttpSinkConfig.validate(config);
    }

    @Override
    public boolean isSecret(String key) {
        return HttpSinkConfig.isSecret(key);
    }

    @Override
    public Task start(TaskContext context) {
        HttpSinkConfig config = HttpSinkConfig.parse(context.config());
        Backoff backoff = new Backoff(config.backoff(), config.backoffMax(), () -> ThreadLocalRandom.current().nextDouble(), clock);
        HttpSinkTask task = new HttpSinkTask(new SinkSetup(context, config, client, backoff, clock,
                Transforms.of(context.config())));
        task.start();
        return task;
    }

    /** Ends the completion threads at shutdown, after the runtime stopped every task. */
    @Override
    public void close() {
        completions.shutdownNow();
    }
}
