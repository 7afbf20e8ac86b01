package io.runnel.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The registry sizes its pools from configuration, names their threads, reports them and stops them all. */
class RunnelExecutorsTest {
    @Test
    void poolsTakeTheirSizesFromConfigurationAndAreReportedAsExecutorMetrics() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RunnelExecutors executors = new RunnelExecutors(new RunnelProperties.Threads(3, 4, 5, 6, 7), meters);
        try {
            assertThat(meters.get("executor.pool.core").tag("name", "runnel-wakeup").gauge().value()).isEqualTo(3);
            assertThat(meters.get("executor.pool.core").tag("name", "runnel-fsync").gauge().value()).isEqualTo(5);
            assertThat(meters.get("executor.pool.core").tag("name", "runnel-forward").gauge().value()).isEqualTo(7);
            String thread = CompletableFuture.supplyAsync(() -> Thread.currentThread().getName(), executors.fsync())
                    .get(1, TimeUnit.MINUTES);
            assertThat(thread).startsWith("runnel-fsync-");
        } finally {
            executors.destroy();
        }
    }

    @Test
    void closingStopsEveryPool() throws Exception {
        RunnelExecutors executors = new RunnelExecutors(RunnelProperties.Threads.DEFAULTS, null);
        executors.wakeups().execute(() -> { });

        executors.destroy();

        assertThat(executors.all()).hasSize(15).allMatch(ExecutorService::isShutdown);
    }
}
