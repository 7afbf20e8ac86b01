package io.runnel.log;

import static io.runnel.log.LogTestSupport.config;
import static io.runnel.log.LogTestSupport.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.runnel.log.LogTestSupport.In;
import io.runnel.log.LogTestSupport.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real "No space left on device" from the kernel, without filling a disk: the active segment's
 * file is a link to Linux's {@code /dev/full}, which refuses every write with ENOSPC.
 */
class PartitionLogStorageFullTest {
    private static final Path DEV_FULL = Path.of("/dev/full");

    @TempDir
    Path tmp;

    @Test
    void anAppendRefusedForWantOfSpaceIsStorageFullAndLeavesTheLogWritable() throws IOException {
        assumeTrue(Files.isWritable(DEV_FULL), "needs Linux's /dev/full");
        Path dir = Files.createDirectories(tmp.resolve("p0"));
        Files.createSymbolicLink(dir.resolve(Segment.fileName(0, Segment.LOG_SUFFIX)), DEV_FULL);
        PartitionLog log = PartitionLog.open(dir, config(1 << 20, 100), FlushPolicy.OS, new MutableClock(1_000));
        try {
            for (int attempt = 0; attempt < 2; attempt++) {
                RecordBatch batch = LogTestSupport.build(List.of(In.of(1_000, value("v", 200))), null);

                assertThatThrownBy(() -> log.appendAsLeader(batch))
                        .as("attempt %d: full, not offline", attempt)
                        .isInstanceOf(LogException.StorageFull.class)
                        .hasMessageContaining("no space left on device");
                assertThat(log.logEndOffset()).isZero();
                assertThat(log.highWatermark()).isZero();
            }
        } finally {
            log.close();
        }
    }
}
