package io.runnel.replication;

import io.runnel.config.FollowerFlush;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.log.BatchBuilder;
import io.runnel.log.FlushPolicy;
import io.runnel.log.LogConfig;
import io.runnel.log.PartitionLog;
import io.runnel.log.RecordBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a follower reports to its leader, and so what the high watermark counts, per
 * {@code runnel.replication.follower-flush}: under {@code sync} only fsynced batches, under
 * {@code async} written ones, which the background flusher then makes durable. Real logs under
 * {@code flush=always}, the only policy where the two differ.
 */
class FollowerFlushTest {
    @TempDir
    Path tmp;

    private final List<PartitionLog> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(String name) {
        PartitionLog log = PartitionLog.open(tmp.resolve(name), new LogConfig(1 << 20, Long.MAX_VALUE / 4, -1, -1, 4096),
                FlushPolicy.ALWAYS, Clock.systemUTC());
        opened.add(log);
        return log;
    }

    /** A leader log with three batches of five records, and those batches as a follower fetch gets them. */
    private List<RecordBatch> leaderBatches() {
        PartitionLog leader = open("leader");
        for (int b = 0; b < 3; b++) {
            BatchBuilder builder = new BatchBuilder(0, null, 0);
            for (int i = 0; i < 5; i++) {
                builder.add(1_000 + i, null, ("{\"b\":" + b + ",\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8), null);
            }
            leader.appendAsLeader(builder.build());
        }
        assertThat(leader.durableEnd()).isEqualTo(15);
        return leader.readForReplication(0, 1 << 20).batches();
    }

    @Test
    void syncReportsOnlyWhatIsFsyncedAndAsyncWhatIsWritten() {
        List<RecordBatch> batches = leaderBatches();
        PartitionLog follower = open("follower");

        follower.appendAsFollowerWithoutWaiting(batches);

        assertThat(follower.logEndOffset()).isEqualTo(15);
        assertThat(follower.durableEnd()).as("not fsynced yet").isZero();
        assertThat(follower.highWatermark()).as("not visible to the follower's readers before the fsync").isZero();
        assertThat(ReplicaFetchers.reportedEnd(follower, FollowerFlush.SYNC)).isZero();
        assertThat(ReplicaFetchers.reportedEnd(follower, FollowerFlush.ASYNC)).isEqualTo(15);

        follower.awaitDurable(15);

        assertThat(follower.durableEnd()).isEqualTo(15);
        assertThat(ReplicaFetchers.reportedEnd(follower, FollowerFlush.SYNC)).isEqualTo(15);
        assertThat(ReplicaFetchers.reportedEnd(follower, FollowerFlush.ASYNC)).isEqualTo(15);
    }

    @Test
    void synchronousFollowerAppendReportsOnceDurable() {
        List<RecordBatch> batches = leaderBatches();
        PartitionLog follower = open("follower");

        follower.appendAsFollower(batches);

        assertThat(follower.durableEnd()).isEqualTo(15);
        assertThat(ReplicaFetchers.reportedEnd(follower, FollowerFlush.SYNC)).isEqualTo(15);
    }

    @Test
    void backgroundFlusherMakesWrittenBatchesDurable() {
        List<RecordBatch> batches = leaderBatches();
        PartitionLog follower = open("follower");
        BackgroundFlusher flusher = new BackgroundFlusher();
        flusher.start();
        try {
            follower.appendAsFollowerWithoutWaiting(batches.subList(0, 1));
            flusher.dirty(follower);
            follower.appendAsFollowerWithoutWaiting(batches.subList(1, 3));
            flusher.dirty(follower);

            await().atMost(Duration.ofSeconds(10)).until(() -> follower.durableEnd() == 15);
            follower.setHighWatermarkCap(15);
            assertThat(follower.highWatermark()).isEqualTo(15);
        } finally {
            flusher.interrupt();
        }
    }
}
