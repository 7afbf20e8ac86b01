package io.runnel.partition;

import io.micrometer.core.instrument.MeterRegistry;
import io.runnel.config.RunnelExecutors;
import io.runnel.config.RunnelProperties;
import io.runnel.log.CleanResult;
import io.runnel.log.CleanerChoice;
import io.runnel.log.FlushPolicy;
import io.runnel.log.LogReadResult;
import io.runnel.log.PartitionLog;
import io.runnel.log.RecordBatch;
import io.runnel.topic.TopicConfigs;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Background work on the logs open here, on one thread: retention every
 * {@code runnel.storage.retention-check-interval} (not for topics whose {@code cleanup.policy} is
 * {@code compact} alone), compaction every {@code runnel.storage.cleaner-interval}, and under
 * {@code runnel.storage.flush=interval} a flush of every log every
 * {@code runnel.storage.flush-interval}. A failure on one partition is logged and the others go
 * on; the next run tries again.
 *
 * <p><b>Compaction.</b> Each run looks at the compacted partitions open here, leaders and
 * followers alike (replicas clean independently): it cleans, dirtiest first
 * ({@link CleanerChoice#dirtiest}), those whose dirty ratio reaches their topic's
 * {@code min.cleanable.dirty.ratio}, and any whose oldest dirty record is older than
 * {@code max.compaction.lag.ms} whatever its ratio, each at most once a run, below its high
 * watermark. A partition whose cleaning throws is marked failed and skipped until its log is
 * opened again; the failure is logged once. A log being deleted or closed is stopped first
 * ({@link Cleanings}).
 *
 * <p>Thread-safety: the state below is touched only by the maintenance thread. Memory only: where
 * the last pass ended is forgotten at a restart (the first run then checks each partition's age
 * from its log start).
 */
@Component
class LogMaintenance implements DisposableBean {
    private static final Logger LOG = LoggerFactory.getLogger(LogMaintenance.class);
    private static final int PEEK_BYTES = 64 * 1024;

    private final LogManager logs;
    private final Cleanings cleanings;
    private final CleanerMetrics metrics;
    private final Clock clock;
    private final long cleanerBufferBytes;
    private final List<ScheduledFuture<?>> scheduled = new ArrayList<>();
    /** Logs whose cleaning failed: not cleaned again while open. */
    private final Set<PartitionLog> failed = Collections.newSetFromMap(new WeakHashMap<>());
    /** Where the last pass over a log ended: its first dirty offset as far as this instance knows. */
    private final Map<PartitionLog, Long> firstDirty = new WeakHashMap<>();

    LogMaintenance(LogManager logs, Cleanings cleanings, RunnelProperties props, RunnelExecutors executors, MeterRegistry meters,
                   Clock clock) {
        this.logs = logs;
        this.cleanings = cleanings;
        this.metrics = new CleanerMetrics(meters);
        this.clock = clock;
        this.cleanerBufferBytes = props.storage().cleanerBuffer().toBytes();
        ScheduledExecutorService scheduler = executors.logMaintenance();
        long retentionMs = props.storage().retentionCheckInterval().toMillis();
        scheduled.add(scheduler.scheduleWithFixedDelay(this::applyRetention, retentionMs, retentionMs, TimeUnit.MILLISECONDS));
        long cleanerMs = props.storage().cleanerInterval().toMillis();
        scheduled.add(scheduler.scheduleWithFixedDelay(this::cleanLogs, cleanerMs, cleanerMs, TimeUnit.MILLISECONDS));
        if (props.storage().flush() == FlushPolicy.INTERVAL) {
            long flushMs = props.storage().flushInterval().toMillis();
            scheduled.add(scheduler.scheduleWithFixedDelay(this::flushAll, flushMs, flushMs, TimeUnit.MILLISECONDS));
        }
    }

    private void applyRetention() {
        for (LogManager.Hosted h : logs.hosted()) {
            Partition p = h.partition();
            if (!h.topic().configs().deletes()) {
                continue; // cleanup.policy=compact: records go only by compaction
            }
            try {
                int deleted = p.log().applyRetention();
                if (deleted > 0) {
                    LOG.info("Retention deleted {} segments of {}-{}", deleted, p.topic(), p.id());
                }
            } catch (RuntimeException ex) {
                LOG.warn("Retention failed for {}-{}: {}", p.topic(), p.id(), ex.toString());
            }
        }
    }

    private void cleanLogs() {
        try {
            Map<LogManager.Hosted, PartitionLog> compacted = new LinkedHashMap<>();
            for (LogManager.Hosted h : logs.hosted()) {
                if (h.topic().configs().compacted()) {
                    compacted.put(h, h.partition().log());
                }
            }
            metrics.retainOnly(compacted);
            compacted.values().removeIf(failed::contains);
            long now = clock.millis();
            List<LogManager.Hosted> overdue = new ArrayList<>();
            for (Map.Entry<LogManager.Hosted, PartitionLog> e : compacted.entrySet()) {
                if (isOverdue(e.getKey().topic().configs(), e.getValue(), now)) {
                    overdue.add(e.getKey());
                }
            }
            Set<LogManager.Hosted> done = new HashSet<>();
            Optional<LogManager.Hosted> next;
            while ((next = CleanerChoice.dirtiest(compacted, h -> h.topic().configs().minCleanableDirtyRatio())).isPresent()) {
                clean(next.get());
                done.add(next.get());
                compacted.remove(next.get());
            }
            for (LogManager.Hosted h : overdue) {
                if (!done.contains(h)) {
                    clean(h);
                }
            }
        } catch (RuntimeException ex) {
            LOG.warn("Compaction run failed: {}", ex.toString()); // a throwing run would end the schedule
        }
    }

    /** Whether the oldest record not yet cleaned, in a closed segment, is older than {@code max.compaction.lag.ms}. */
    private boolean isOverdue(TopicConfigs configs, PartitionLog log, long now) {
        long maxLag = configs.maxCompactionLagMs();
        if (maxLag == Long.MAX_VALUE || log.dirtyRatio() <= 0) {
            return false;
        }
        long from = Math.max(firstDirty.getOrDefault(log, 0L), log.logStartOffset());
        if (from >= log.highWatermark()) {
            return false;
        }
        LogReadResult r = log.read(from, PEEK_BYTES, 1);
        if (r.batches().isEmpty()) {
            return false;
        }
        RecordBatch first = r.batches().get(0);
        long oldest = first.isLogAppendTime() ? first.maxTimestamp() : first.firstTimestamp();
        return now - oldest > maxLag;
    }

    private void clean(LogManager.Hosted h) {
        Partition p = h.partition();
        PartitionLog log = p.log();
        if (!cleanings.begin(log)) {
            return;
        }
        try {
            CleanResult r = log.clean(h.topic().configs().cleanerConfig(cleanerBufferBytes), log.highWatermark());
            firstDirty.put(log, r.cleanedUpTo());
            if (r.segmentsCleaned() > 0) {
                metrics.cleaned(log, r, clock.millis());
                LOG.info("Cleaned {}-{}: {} segments into {}, {} records and {} bytes removed{}", p.topic(), p.id(),
                        r.segmentsCleaned(), r.segmentsWritten(), r.recordsRemoved(), r.bytesReclaimed(),
                        r.partial() ? " (partial pass: the key map was full)" : "");
            }
        } catch (RuntimeException ex) {
            failed.add(log);
            metrics.failed(log);
            LOG.error("Cleaning {}-{} failed; it is not cleaned again until its log is reopened", p.topic(), p.id(), ex);
        } finally {
            cleanings.end(log);
        }
    }

    private void flushAll() {
        for (LogManager.Hosted h : logs.hosted()) {
            Partition p = h.partition();
            try {
                p.log().flush();
            } catch (RuntimeException ex) {
                LOG.warn("Flush failed for {}-{}: {}", p.topic(), p.id(), ex.toString());
            }
        }
    }

    @Override
    public void destroy() {
        scheduled.forEach(f -> f.cancel(true));
    }
}
