package io.runnel.connect.http;

import io.runnel.connect.TaskContext;
import io.runnel.expr.RecordTransform;
import java.net.http.HttpClient;
import java.time.Clock;

/**
 * What every partition of one task shares: the task's context, the connector's config, the plugin's
 * HTTP client for deliveries, the backoff policy, the clock and the connector's record transform
 * ({@code transforms.*}). Immutable.
 */
record SinkSetup(TaskContext context, HttpSinkConfig config, HttpClient receiverClient, Backoff backoff, Clock clock,
                 RecordTransform transform) {
}
