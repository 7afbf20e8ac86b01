package io.runnel.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LogConfigTest {

    @Test
    void defaultsAreKafkasDefaults() {
        assertThat(LogConfig.DEFAULT.segmentBytes()).isEqualTo(1 << 30);
        assertThat(LogConfig.DEFAULT.segmentMs()).isEqualTo(7L * 24 * 3600 * 1000);
        assertThat(LogConfig.DEFAULT.retentionMs()).isEqualTo(7L * 24 * 3600 * 1000);
        assertThat(LogConfig.DEFAULT.retentionBytes()).isEqualTo(-1);
        assertThat(LogConfig.DEFAULT.indexIntervalBytes()).isEqualTo(4096);
    }

    @Test
    void rejectsSegmentsSmallerThanABatchHeaderAndNonPositiveSegmentMsAndNegativeIndexInterval() {
        assertThatThrownBy(() -> new LogConfig(RecordBatch.HEADER_SIZE - 1, 1, -1, -1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LogConfig(1024, 0, -1, -1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LogConfig(1024, 1, -1, -1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new LogConfig(RecordBatch.HEADER_SIZE, 1, -1, -1, 0).segmentBytes()).isEqualTo(RecordBatch.HEADER_SIZE);
    }
}
