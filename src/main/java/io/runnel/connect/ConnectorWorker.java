package io.runnel.connect;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.runnel.cluster.ConnectorMetadata;
import io.runnel.cluster.ConnectorMetadata.TaskMetadata;
import io.runnel.cluster.ConnectorsState;
import io.runnel.cluster.MetadataCommand.FailConnectorTask;
import io.runnel.error.RunnelException;
import io.runnel.security.KafkaPrincipal;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs, on this instance, exactly the connector tasks the definitions place here ({@link ConnectorStore}):
 * those of connectors meant to be {@code RUNNING}, not failed in the connector's current generation. Each
 * is started through the {@link ConnectorPlugin} named by its {@code connector.class}, with its own
 * {@link TaskContext}: an API that acts as the connector's creator, the group {@code connect-<name>}, and a
 * meter registry whose meters are removed when the task stops. A task is stopped when it is placed
 * elsewhere, paused, changed or restarted (a new generation), deleted, or fails, and all are stopped by
 * {@link #stopAll} when the instance shuts down, before the web server stops.
 *
 * <p>A failure ({@link TaskContext.Reporter#failed}, a plugin that throws at start, or a plugin missing
 * here) stops the task and is recorded in the definitions ({@link FailConnectorTask}: where, when, and the
 * stack trace with the connector's secrets masked, cut to {@link ConnectorsState#MAX_TRACE_LENGTH}); the
 * task is not started again here in that generation even if the record could not be made.
 *
 * <p>Thread-safety: every change of what runs happens on {@code worker}, one thread, which reconciles after
 * each change of the definitions; {@link #progress} reads the running tasks from any thread. Nothing is
 * kept on disk: after a crash the definitions say what to run, and tasks resume from their committed
 * progress.
 */
final class ConnectorWorker {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectorWorker.class);
    static final String MASK = "********";

    /** One run of one task: a new generation is a new run. */
    record TaskKey(String connector, int task, long generation) {
    }

    private record Running(TaskKey key, Task task, CompositeMeterRegistry meters) {
    }

    /** What the worker needs besides the definitions. */
    record Settings(String selfId, Function<KafkaPrincipal, RunnelApi> apis, MeterRegistry meters, ScheduledExecutorService scheduler,
                    Clock clock) {
    }

    private final ConnectorStore store;
    private final Map<String, ConnectorPlugin> plugins;
    private final Settings settings;
    private final ExecutorService worker;
    private final Map<TaskKey, Running> running = new ConcurrentHashMap<>();
    /** Runs that failed here: not started again in their generation, whether or not the record was made. */
    private final Set<TaskKey> failedHere = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;
    private final AtomicBoolean subscribed = new AtomicBoolean();

    ConnectorWorker(ConnectorStore store, List<ConnectorPlugin> plugins, Settings settings, ExecutorService worker) {
        this.store = store;
        this.plugins = new HashMap<>();
        plugins.forEach(p -> this.plugins.put(p.className(), p));
        this.settings = settings;
        this.worker = worker;
    }

    /**
     * Reconciles now and after every change of the definitions. Also after {@link #stopAll}: a context stopped and
     * started again (Spring pauses cached test contexts that way) runs its tasks again.
     */
    void start() {
        stopped = false;
        if (subscribed.compareAndSet(false, true)) {
            store.onChange(this::reconcileSoon);
        }
        reconcileSoon();
    }

    Optional<ConnectorPlugin> plugin(String className) {
        return Optional.ofNullable(plugins.get(className));
    }

    /** Whether {@code connector} is named in an internal plugin's namespace ({@link ConnectorPlugin#internalPrefix}). */
    boolean isInternal(String connector) {
        return plugins.values().stream().map(ConnectorPlugin::internalPrefix).anyMatch(p -> p != null && connector.startsWith(p));
    }

    /** The progress of a task that runs here in the current generation; empty when it does not run here. */
    Optional<List<PartitionProgress>> progress(String connector, int task) {
        Optional<ConnectorMetadata> c = store.state().connector(connector);
        if (c.isEmpty()) {
            return Optional.empty();
        }
        Running r = running.get(new TaskKey(connector, task, c.get().generation()));
        return r == null ? Optional.empty() : Optional.of(r.task().progress());
    }

    /** The error of a task that runs here in the current generation ({@link Task#error}); empty when none or not here. */
    Optional<String> error(String connector, int task) {
        Optional<ConnectorMetadata> c = store.state().connector(connector);
        if (c.isEmpty()) {
            return Optional.empty();
        }
        Running r = running.get(new TaskKey(connector, task, c.get().generation()));
        return r == null ? Optional.empty() : Optional.ofNullable(r.task().error());
    }

    /** Whether a run of this task is going on here (tests, status). */
    boolean runs(String connector, int task) {
        return running.keySet().stream().anyMatch(k -> k.connector().equals(connector) && k.task() == task);
    }

    void reconcileSoon() {
        if (stopped) {
            return;
        }
        try {
            worker.execute(this::reconcile);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    /** Fails the runs of {@code connector} here with {@code reason} (the creator lost a right the connector needs). */
    void failConnector(String connector, String reason) {
        onWorker(() -> running.keySet().stream().filter(k -> k.connector().equals(connector)).toList()
                .forEach(k -> fail(k, new IllegalStateException(reason))));
    }

    private void onWorker(Runnable work) {
        try {
            worker.execute(work);
        } catch (RejectedExecutionException e) {
            // shutting down: every task is being stopped anyway
        }
    }

    private void reconcile() {
        if (stopped) {
            return;
        }
        ConnectorsState state = store.state();
        Map<TaskKey, ConnectorMetadata> wanted = new HashMap<>();
        for (ConnectorMetadata c : state.connectors().values()) {
            if (c.paused()) {
                continue;
            }
            for (int i = 0; i < c.tasks().size(); i++) {
                TaskMetadata t = c.tasks().get(i);
                TaskKey key = new TaskKey(c.name(), i, c.generation());
                if (settings.selfId().equals(t.instance()) && t.failure() == null && !failedHere.contains(key)) {
                    wanted.put(key, c);
                }
            }
        }
        running.keySet().stream().filter(k -> !wanted.containsKey(k)).toList().forEach(this::stop);
        failedHere.removeIf(k -> state.connector(k.connector()).map(c -> c.generation() != k.generation()).orElse(true));
        wanted.forEach((key, c) -> {
            if (!running.containsKey(key)) {
                start(key, c);
            }
        });
    }

    private void start(TaskKey key, ConnectorMetadata c) {
        String className = c.config().getOrDefault(ConnectorConfigs.CLASS, "");
        ConnectorPlugin plugin = plugins.get(className);
        if (plugin == null) {
            fail(key, new IllegalStateException("no connector class '" + className + "' on instance " + settings.selfId()));
            return;
        }
        CompositeMeterRegistry meters = new CompositeMeterRegistry();
        meters.add(settings.meters());
        KafkaPrincipal creator = KafkaPrincipal.parse(c.creator());
        TaskContext context = new TaskContext(c.name(), key.task(), c.tasks().size(), c.config(), creator, settings.apis().apply(creator),
                groupOf(c.name()), error -> onWorker(() -> fail(key, error)), meters, settings.scheduler());
        try {
            Task task = plugin.start(context);
            running.put(key, new Running(key, task, meters));
            LOG.info("Connector {} task {} started (generation {})", key.connector(), key.task(), key.generation());
        } catch (RuntimeException e) {
            removeMeters(meters);
            fail(key, e);
        }
    }

    /** The consumer group a sink connector commits its progress to. */
    static String groupOf(String connector) {
        return "connect-" + connector;
    }

    private void stop(TaskKey key) {
        stopping(key);
    }

    /** Stops a run; the future completes once it has stopped and its meters are removed. */
    private CompletableFuture<Void> stopping(TaskKey key) {
        Running r = running.remove(key);
        if (r == null) {
            return CompletableFuture.completedFuture(null);
        }
        LOG.info("Connector {} task {} stopping (generation {})", key.connector(), key.task(), key.generation());
        CompletableFuture<Void> done;
        try {
            done = r.task().stop();
        } catch (RuntimeException e) {
            LOG.warn("Connector {} task {}: stop failed", key.connector(), key.task(), e);
            done = CompletableFuture.completedFuture(null);
        }
        return done.handle((v, e) -> {
            removeMeters(r.meters());
            return null;
        });
    }

    private void removeMeters(CompositeMeterRegistry meters) {
        for (Meter m : meters.getMeters()) {
            // the view registers through the registry's own filters (common tags): remove by the id the view gave
            settings.meters().removeByPreFilterId(m.getId());
        }
        // never close() the view: a composite closes the registries it holds, here the application's own
        meters.remove(settings.meters());
    }

    private void fail(TaskKey key, Throwable error) {
        if (stopped || !failedHere.add(key)) {
            return; // a task failing while the instance stops is not the connector's failure
        }
        stop(key);
        Optional<ConnectorMetadata> c = store.state().connector(key.connector());
        if (c.isEmpty() || c.get().generation() != key.generation()) {
            return;
        }
        Optional<ConnectorPlugin> plugin = plugin(c.get().config().getOrDefault(ConnectorConfigs.CLASS, ""));
        String trace = Traces.masked(error, c.get().config(), k -> ConnectorConfigs.isSecret(plugin, k), ConnectorsState.MAX_TRACE_LENGTH);
        LOG.warn("Connector {} task {} failed: {}", key.connector(), key.task(), firstLine(trace));
        try {
            store.submit(new FailConnectorTask(key.connector(), key.task(), key.generation(), settings.selfId(), trace,
                    settings.clock().millis()));
        } catch (RunnelException e) {
            LOG.info("Connector {} task {}: failure not recorded: {}", key.connector(), key.task(), e.getMessage());
        }
    }

    private static String firstLine(String trace) {
        int nl = trace.indexOf('\n');
        return nl < 0 ? trace : trace.substring(0, nl);
    }

    /**
     * Stops every task and waits for them, at most {@code timeoutMs}; later changes start nothing. Runs on the
     * worker thread, so no reconciliation in progress starts a task after it.
     */
    void stopAll(long timeoutMs) {
        CompletableFuture<Void> all = new CompletableFuture<>();
        Runnable stopEverything = () -> {
            stopped = true;
            List<CompletableFuture<Void>> stopping = List.copyOf(running.keySet()).stream().map(this::stopping).toList();
            CompletableFuture.allOf(stopping.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> all.complete(null));
        };
        try {
            worker.execute(stopEverything);
        } catch (RejectedExecutionException e) {
            stopEverything.run();
        }
        try {
            all.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.info("Connector tasks did not all stop within {} ms: {}", timeoutMs, e.getMessage());
        }
    }
}
