package io.runnel.stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.runnel.connect.RunnelApi;
import io.runnel.connect.TaskContext;
import java.util.concurrent.ScheduledExecutorService;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every partition loop of one stream task shares.
 *
 * @param name      the stream's name (its connector is {@code stream.<name>})
 * @param incarnation which creation of the stream this is ({@link StreamPlugin#INCARNATION}): part of every
 *                  {@code Idempotency-Key}, so a stream deleted and created again under the same name is not taken
 *                  for a replay of the old one
 * @param group     the group its progress is committed to ({@code connect-stream.<name>})
 * @param api       the public API, acting as the stream's creator
 * @param reporter  how a loop stops the stream {@code FAILED}
 * @param meters    the task's meters (removed when it stops)
 * @param scheduler backoff timers
 */
record StreamContext(String name, String incarnation, StreamDefinition definition, StreamEvaluator evaluator, String group, RunnelApi api, JsonMapper json,
                     TaskContext.Reporter reporter, MeterRegistry meters, ScheduledExecutorService scheduler) {
}
