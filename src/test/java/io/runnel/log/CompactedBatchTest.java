package io.runnel.log;

import static io.runnel.log.LogTestSupport.bytes;
import static io.runnel.log.LogTestSupport.decode;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.log.LogTestSupport.Rec;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompactedBatchTest {
    private static RecordBatch original(Long logAppendTime) {
        BatchBuilder builder = new BatchBuilder(5, logAppendTime, 0).producer(42, (short) 3, 17);
        for (int i = 0; i < 5; i++) {
            builder.add(1000 + i * 300, bytes("\"k" + i + "\""), i == 3 ? null : bytes("{\"v\":" + i + "}"),
                    i % 2 == 0 ? bytes("{\"h\":\"" + i + "\"}") : null);
        }
        RecordBatch batch = builder.build();
        batch.setBaseOffset(200);
        return batch;
    }

    private static CompactedBatch keep(RecordBatch original, long... offsets) {
        CompactedBatch out = new CompactedBatch(original);
        original.forEachRecordRaw((offset, timestampDelta, key, value, headers) -> {
            for (long o : offsets) {
                if (o == offset) {
                    out.keep(new CompactedBatch.Kept(offset, timestampDelta, key, value, headers));
                }
            }
        });
        return out;
    }

    @Test
    void keepsTheChosenRecordsWithTheirOffsetsTimestampsAndHeadersAndEveryHeaderField() {
        RecordBatch original = original(null);
        List<Rec> all = decode(original);

        RecordBatch built = keep(original, 201, 203, 204).build();

        assertThat(built.isValid()).isTrue();
        assertThat(built.isDense()).isFalse();
        assertThat(decode(built)).containsExactly(all.get(1), all.get(3), all.get(4));
        assertThat(built.baseOffset()).isEqualTo(200);
        assertThat(built.lastOffset()).isEqualTo(204);
        assertThat(built.recordCount()).isEqualTo(3);
        assertThat(built.leaderEpoch()).isEqualTo(5);
        assertThat(built.producerId()).isEqualTo(42);
        assertThat(built.producerEpoch()).isEqualTo((short) 3);
        assertThat(built.baseSequence()).isEqualTo(17);
        assertThat(built.firstTimestamp()).isEqualTo(original.firstTimestamp());
        assertThat(built.maxTimestamp()).isEqualTo(original.maxTimestamp());
        assertThat(built.recordsFrom(202)).isEqualTo(2);
        assertThat(built.recordsFrom(205)).isZero();
    }

    @Test
    void aWiderRangeReEncodesTheOffsetDeltas() {
        RecordBatch original = original(null);
        List<Rec> all = decode(original);
        CompactedBatch c = keep(original, 200, 202);
        c.startAt(150);
        c.endAt(260);

        RecordBatch built = c.build();

        assertThat(built.isValid()).isTrue();
        assertThat(built.baseOffset()).isEqualTo(150);
        assertThat(built.lastOffset()).isEqualTo(260);
        assertThat(decode(built)).containsExactly(all.get(0), all.get(2));
    }

    @Test
    void logAppendTimeRecordsKeepTheirTimestamp() {
        RecordBatch original = original(9999L);
        RecordBatch built = keep(original, 204).build();
        assertThat(decode(built)).containsExactly(decode(original).get(4));
        assertThat(built.isLogAppendTime()).isTrue();
    }

    @Test
    void anUnchangedBatchIsWrittenAsItWas() {
        RecordBatch original = original(null);
        assertThat(keep(original, 200, 201, 202, 203, 204).build()).isSameAs(original);
    }

    @Test
    void keepingTheLastRecordOnly() {
        RecordBatch original = original(null);
        CompactedBatch c = new CompactedBatch(original);
        c.keepLastRecordOnly();
        RecordBatch built = c.build();
        assertThat(decode(built)).containsExactly(decode(original).get(4));
        assertThat(built.lastOffset()).isEqualTo(204);
    }
}
