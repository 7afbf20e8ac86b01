package io.runnel.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Every thread pool of the process, created here by name with the sizes of {@code runnel.threads.*}
 * and handed to the classes that use them, which never shut them down. Each pool's threads are
 * daemons named {@code runnel-<pool>-N} whose context class loader is the application's (not that of
 * the request that happened to start them), and each pool is reported as Micrometer executor
 * metrics tagged {@code name=runnel-<pool>} ({@code executor.active}, {@code executor.queued}, ...).
 *
 * <table>
 *   <caption>Pools</caption>
 *   <tr><th>pool</th><th>threads</th><th>work</th></tr>
 *   <tr><td>{@code forward}</td><td>{@code forwarding}</td><td>relaying answers of forwarded public calls</td></tr>
 *   <tr><td>{@code sse-sender}</td><td>{@code sse-senders}</td><td>sending records to SSE streams</td></tr>
 *   <tr><td>{@code sse-keepalive}</td><td>1</td><td>keep-alive comments of SSE streams</td></tr>
 *   <tr><td>{@code wakeup}</td><td>{@code wakeups}</td><td>answering held reads, and their deadlines; held-back 401s</td></tr>
 *   <tr><td>{@code group-sweeper}</td><td>1</td><td>removing group members that went silent</td></tr>
 *   <tr><td>{@code isr}</td><td>1</td><td>in-sync replica checks and high watermark checkpoints</td></tr>
 *   <tr><td>{@code log-maintenance}</td><td>1</td><td>retention and interval flushes</td></tr>
 *   <tr><td>{@code controller-duties}</td><td>1</td><td>heartbeats and liveness checks</td></tr>
 *   <tr><td>{@code revocation}</td><td>1</td><td>ending the long-lived requests of revoked keys and ACLs</td></tr>
 *   <tr><td>{@code topic-follower}</td><td>1</td><td>applying topic changes of the metadata</td></tr>
 *   <tr><td>{@code security-follower}</td><td>1</td><td>applying key and ACL changes of the metadata</td></tr>
 *   <tr><td>{@code connect-worker}</td><td>1</td><td>starting and stopping connector tasks</td></tr>
 *   <tr><td>{@code connect}</td><td>2</td><td>connector tasks' timers and their HTTP client's completions</td></tr>
 *   <tr><td>{@code fsync}</td><td>{@code fsync}</td><td>waiting for the fsyncs of produce requests</td></tr>
 *   <tr><td>{@code internal-http}</td><td>{@code internal-http}</td><td>the HTTP client of calls between instances</td></tr>
 * </table>
 *
 * <p>Shutdown, at context close, after every bean that uses a pool has stopped (they depend on this
 * one): the pools are stopped in the table's order, work that answers requests first, then
 * background duties, then the fsync pool (allowed to finish what it has) and last the HTTP client
 * that the others may still be waiting on. Thread-safe; pools are created eagerly (their threads
 * start on first use).
 */
@Component
public class RunnelExecutors implements DisposableBean {
    private final ExecutorService forwarding;
    private final ExecutorService sseSenders;
    private final ScheduledExecutorService sseKeepAlive;
    private final ScheduledExecutorService wakeups;
    private final ScheduledExecutorService groupSweeper;
    private final ScheduledExecutorService isr;
    private final ScheduledExecutorService logMaintenance;
    private final ScheduledExecutorService controllerDuties;
    private final ScheduledExecutorService revocation;
    private final ExecutorService topicFollower;
    private final ExecutorService securityFollower;
    private final ExecutorService connectWorker;
    private final ScheduledExecutorService connect;
    private final ExecutorService fsync;
    private final ExecutorService internalHttp;
    /** Shutdown order. */
    private final List<ExecutorService> all = new ArrayList<>();
    private final MeterRegistry meters;

    @Autowired
    public RunnelExecutors(RunnelProperties props, MeterRegistry meters) {
        this(props.threads(), meters);
    }

    /** @param meters where to report the pools; null for none */
    public RunnelExecutors(RunnelProperties.Threads sizes, MeterRegistry meters) {
        this.meters = meters;
        forwarding = fixed("forward", sizes.forwarding());
        sseSenders = fixed("sse-sender", sizes.sseSenders());
        sseKeepAlive = scheduled("sse-keepalive", 1);
        wakeups = scheduled("wakeup", sizes.wakeups());
        groupSweeper = scheduled("group-sweeper", 1);
        isr = scheduled("isr", 1);
        logMaintenance = scheduled("log-maintenance", 1);
        controllerDuties = scheduled("controller-duties", 1);
        revocation = scheduled("revocation", 1);
        topicFollower = fixed("topic-follower", 1);
        securityFollower = fixed("security-follower", 1);
        connectWorker = fixed("connect-worker", 1);
        connect = scheduled("connect", 2);
        fsync = fixed("fsync", sizes.fsync());
        internalHttp = fixed("internal-http", sizes.internalHttp());
    }

    public ExecutorService forwarding() { return forwarding; }
    public ExecutorService sseSenders() { return sseSenders; }
    public ScheduledExecutorService sseKeepAlive() { return sseKeepAlive; }
    /** Runs the callbacks of held reads ({@code io.runnel.partition.PartitionWaits}) and their deadlines. */
    public ScheduledExecutorService wakeups() { return wakeups; }
    public ScheduledExecutorService groupSweeper() { return groupSweeper; }
    public ScheduledExecutorService isr() { return isr; }
    public ScheduledExecutorService logMaintenance() { return logMaintenance; }
    public ScheduledExecutorService controllerDuties() { return controllerDuties; }
    /** Re-checks open streams and held reads after a change of keys or ACLs ({@code io.runnel.security.web.Revocations}). */
    public ScheduledExecutorService revocation() { return revocation; }
    /** One thread: topic changes are applied in the order the metadata made them. */
    public ExecutorService topicFollower() { return topicFollower; }
    /** One thread: key and ACL changes are applied in the order the metadata made them. */
    public ExecutorService securityFollower() { return securityFollower; }
    /** One thread: connector tasks are started and stopped in the order the definitions changed. */
    public ExecutorService connectWorker() { return connectWorker; }
    /** Connector tasks' timers, and the completions of their calls to the API. */
    public ScheduledExecutorService connect() { return connect; }
    public ExecutorService fsync() { return fsync; }
    public ExecutorService internalHttp() { return internalHttp; }

    /** Every pool, in shutdown order. */
    List<ExecutorService> all() {
        return Collections.unmodifiableList(all);
    }

    private ExecutorService fixed(String name, int threads) {
        return register(name, Executors.newFixedThreadPool(threads, threads(name)));
    }

    private ScheduledExecutorService scheduled(String name, int threads) {
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(threads, threads(name));
        pool.setRemoveOnCancelPolicy(true); // cancelled deadlines of answered reads must not pile up
        return register(name, pool);
    }

    private <E extends ExecutorService> E register(String name, E pool) {
        all.add(pool);
        if (meters != null) {
            new ExecutorServiceMetrics(pool, "runnel-" + name, Tags.empty()).bindTo(meters);
        }
        return pool;
    }

    private static ThreadFactory threads(String pool) {
        AtomicInteger count = new AtomicInteger();
        ClassLoader loader = RunnelExecutors.class.getClassLoader();
        return task -> {
            Thread t = new Thread(task, "runnel-" + pool + "-" + count.incrementAndGet());
            t.setDaemon(true);
            t.setContextClassLoader(loader);
            return t;
        };
    }

    /**
     * Stops every pool in order. Pools that answer requests or run background duties are
     * interrupted at once (their work is either answered by shutdown itself or redone at the next
     * start); the fsync pool finishes what was handed to it, briefly.
     */
    @Override
    public void destroy() throws InterruptedException {
        for (ExecutorService pool : all) {
            if (pool == fsync) {
                pool.shutdown();
                pool.awaitTermination(5, TimeUnit.SECONDS);
            } else {
                pool.shutdownNow();
            }
        }
    }
}
