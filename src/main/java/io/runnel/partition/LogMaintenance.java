package io.runnel.partition;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import io.runnel.config.RunnelExecutors;
import io.runnel.config.RunnelProperties;
import io.runnel.log.FlushPolicy;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Background work on the logs open here, on one thread: retention every
 * {@code runnel.storage.retention-check-interval}, and under {@code runnel.storage.flush=interval}
 * a flush of every log every {@code runnel.storage.flush-interval}. A failure on one partition is
 * logged and the others go on; the next run tries again.
 */
@Component
class LogMaintenance implements DisposableBean {
    private static final Logger LOG = LoggerFactory.getLogger(LogMaintenance.class);

    private final LogManager logs;
    private final List<ScheduledFuture<?>> scheduled = new ArrayList<>();

    LogMaintenance(LogManager logs, RunnelProperties props, RunnelExecutors executors) {
        this.logs = logs;
        ScheduledExecutorService scheduler = executors.logMaintenance();
        long retentionMs = props.storage().retentionCheckInterval().toMillis();
        scheduled.add(scheduler.scheduleWithFixedDelay(this::applyRetention, retentionMs, retentionMs, TimeUnit.MILLISECONDS));
        if (props.storage().flush() == FlushPolicy.INTERVAL) {
            long flushMs = props.storage().flushInterval().toMillis();
            scheduled.add(scheduler.scheduleWithFixedDelay(this::flushAll, flushMs, flushMs, TimeUnit.MILLISECONDS));
        }
    }

    private void applyRetention() {
        for (LogManager.Hosted h : logs.hosted()) {
            Partition p = h.partition();
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
