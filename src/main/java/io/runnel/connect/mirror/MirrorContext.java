package io.runnel.connect.mirror;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every partition copy of one mirror task shares: the connector's name and config, the two ends, the ids
 * of the source and target clusters (for the loop rule, {@link MirrorHeaders}), meters, timers and the clock.
 */
record MirrorContext(String connector, MirrorConfig config, MirrorLinks links, String sourceClusterId, String targetClusterId,
                     MeterRegistry meters, ScheduledExecutorService scheduler, Clock clock) {
}
