package io.runnel.connect;

import io.micrometer.core.instrument.MeterRegistry;
import io.runnel.security.KafkaPrincipal;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a task is given when it starts.
 *
 * @param connector the connector's name
 * @param task      this task's number, {@code 0 ≤ task < tasks}. A task works on the partitions it
 *                  {@linkplain #owns owns}; it lists the topics again now and then to follow new partitions
 * @param tasks     how many tasks the connector has
 * @param config    the connector's config as its creator gave it, secrets included (never log it: see
 *                  {@link ConnectorPlugin#isSecret})
 * @param principal the connector's creator: every call the task makes through {@code api} acts with
 *                  this principal's rights, checked on each call
 * @param api       the cluster's public HTTP API, called as {@code principal}
 * @param group     the consumer group a sink commits its progress to ({@code connect-<name>}): committed
 *                  through {@code PUT /groups/{group}/offsets} without a member id, only after delivery
 * @param reporter  how the task tells the runtime it failed
 * @param meters    where the task registers its metrics (tagged {@code connector}, {@code topic},
 *                  {@code partition}); the runtime removes them when the task stops
 * @param scheduler timers (backoff, linger, refresh): never block in it
 */
public record TaskContext(String connector, int task, int tasks, Map<String, String> config, KafkaPrincipal principal,
                          RunnelApi api, String group, Reporter reporter, MeterRegistry meters, ScheduledExecutorService scheduler) {

    /** How a task reports to the runtime. */
    public interface Reporter {
        /**
         * The task cannot go on: the runtime marks it {@code FAILED} with {@code error}'s stack trace
         * (secrets masked) and stops it; a restart starts a new task from the committed progress.
         */
        void failed(Throwable error);
    }

    public TaskContext {
        config = Map.copyOf(config);
    }

    /**
     * Whether this task works on {@code topic}'s {@code partition}: {@code floorMod(31 * topic.hashCode() + partition,
     * tasks) == task}. Each partition has one owner, and a partition added to any topic never moves the others
     * (an index in a sorted list would, handing a partition to two tasks for a while).
     */
    public boolean owns(String topic, int partition) {
        return owns(topic, partition, task, tasks);
    }

    /** {@link #owns(String, int)} for task {@code task} of {@code tasks}. */
    public static boolean owns(String topic, int partition, int task, int tasks) {
        return Math.floorMod(31 * topic.hashCode() + partition, tasks) == task;
    }
}
