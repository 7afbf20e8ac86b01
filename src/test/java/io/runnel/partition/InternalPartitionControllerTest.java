package io.runnel.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.log.BatchBuilder;
import io.runnel.log.RecordBatch;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire form of internal batch reads: concatenated batches, split back exactly. */
class InternalPartitionControllerTest {

    private static byte[] batch(long base, int records) {
        BatchBuilder builder = new BatchBuilder(0, null, 256);
        for (int i = 0; i < records; i++) {
            builder.add(1_000L + i, null, ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8), null);
        }
        ByteBuffer buffer = builder.build().buffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        ByteBuffer.wrap(bytes).putLong(0, base); // the base offset is outside the CRC, as a leader sets it
        return bytes;
    }

    @Test
    void splitsConcatenatedBatchesIntoTheSameBatches() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(batch(0, 3));
        out.writeBytes(batch(3, 1));
        out.writeBytes(batch(4, 5));
        List<RecordBatch> batches = InternalPartitionController.split(out.toByteArray());
        assertThat(batches).extracting(RecordBatch::baseOffset).containsExactly(0L, 3L, 4L);
        assertThat(batches).extracting(RecordBatch::recordCount).containsExactly(3, 1, 5);
        assertThat(batches).allMatch(RecordBatch::isValid);
        assertThat(InternalPartitionController.split(new byte[0])).isEmpty();
    }

    @Test
    void aTruncatedBatchIsRefused() {
        byte[] whole = batch(0, 2);
        assertThatThrownBy(() -> InternalPartitionController.split(Arrays.copyOf(whole, whole.length - 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("truncated");
    }
}
