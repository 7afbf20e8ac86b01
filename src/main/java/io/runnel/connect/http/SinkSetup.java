package io.runnel.connect.http;

import io.runnel.connect.TaskContext;
import java.net.http.HttpClient;
import java.time.Clock;

/**
 * What every partition of one task shares: the task's context, the connector's config, the plugin's
 * HTTP client for deliveries, the backoff policy and the clock. Immutable.
 */
record SinkSetup(TaskContext context, HttpSinkConfig config, HttpClient receiverClient, Backoff backoff, Clock clock) {
}
