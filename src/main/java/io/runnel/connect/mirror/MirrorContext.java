package io.runnel.connect.mirror;

import io.micrometer.core.instrument.MeterRegistry;
import io.runnel.expr.RecordTransform;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every partition copy of one mirror task shares: the connector's name and config, the two ends, the ids
 * of the source and target clusters (for the loop rule, {@link MirrorHeaders}), meters, timers, the clock and the
 * connector's record transform ({@code transforms.*}).
 */
record MirrorContext(String connector, MirrorConfig config, MirrorLinks links, String sourceClusterId, String targetClusterId,
                     MeterRegistry meters, ScheduledExecutorService scheduler, Clock clock, RecordTransform transform) {
}
