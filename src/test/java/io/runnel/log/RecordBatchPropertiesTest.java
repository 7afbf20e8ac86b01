package io.runnel.log;

import static io.runnel.PropertyChecks.charRange;
import static io.runnel.PropertyChecks.charsOf;
import static io.runnel.PropertyChecks.lists;
import static io.runnel.PropertyChecks.orNull;
import static io.runnel.PropertyChecks.qt;
import static io.runnel.PropertyChecks.strings;
import static io.runnel.log.LogTestSupport.decode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.log.LogTestSupport.In;
import io.runnel.log.LogTestSupport.Rec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

class RecordBatchPropertiesTest {

    @Test
    void varintRoundTripsEveryInt() {
        qt(200).forAll(SourceDSL.integers().all()).checkAssert(RecordBatchPropertiesTest::varintRoundTripsEveryInt);
    }

    private static void varintRoundTripsEveryInt(int value) {
        ByteBuffer buf = ByteBuffer.allocate(10);
        Varint.writeInt(value, buf);
        assertThat(buf.position()).isEqualTo(Varint.sizeOfInt(value));
        buf.flip();
        assertThat(Varint.readInt(buf)).isEqualTo(value);
        assertThat(buf.hasRemaining()).isFalse();
    }

    @Test
    void varintRoundTripsEveryLong() {
        qt(200).forAll(SourceDSL.longs().all()).checkAssert(RecordBatchPropertiesTest::varintRoundTripsEveryLong);
    }

    private static void varintRoundTripsEveryLong(long value) {
        ByteBuffer buf = ByteBuffer.allocate(10);
        Varint.writeLong(value, buf);
        assertThat(buf.position()).isEqualTo(Varint.sizeOfLong(value));
        buf.flip();
        assertThat(Varint.readLong(buf)).isEqualTo(value);
        assertThat(buf.hasRemaining()).isFalse();
    }

    @Test
    void varintSequencesDecodeInOrder() {
        qt(100).forAll(lists(SourceDSL.longs().all(), 0, 20)).checkAssert(RecordBatchPropertiesTest::varintSequencesDecodeInOrder);
    }

    private static void varintSequencesDecodeInOrder(List<Long> values) {
        ByteBuffer buf = ByteBuffer.allocate(10 * values.size());
        values.forEach(v -> Varint.writeLong(v, buf));
        buf.flip();
        List<Long> read = new ArrayList<>();
        while (buf.hasRemaining()) {
            read.add(Varint.readLong(buf));
        }
        assertThat(read).isEqualTo(values);
    }

    @Test
    void readIntRejectsAVarlongOutsideTheIntRange() {
        qt(50).forAll(SourceDSL.integers().between(1, 1000))
                .checkAssert(RecordBatchPropertiesTest::readIntRejectsAVarlongOutsideTheIntRange);
    }

    private static void readIntRejectsAVarlongOutsideTheIntRange(int beyond) {
        ByteBuffer buf = ByteBuffer.allocate(10);
        Varint.writeLong((long) Integer.MAX_VALUE + beyond, buf);
        buf.flip();
        assertThatThrownBy(() -> Varint.readInt(buf)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readLongRejectsAVarintLongerThanTenBytes() {
        ByteBuffer buf = ByteBuffer.allocate(12);
        for (int i = 0; i < 11; i++) {
            buf.put((byte) 0x80);
        }
        buf.put((byte) 0);
        buf.flip();
        assertThatThrownBy(() -> Varint.readLong(buf)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void batchesRoundTripAnyRecords() {
        qt(100).forAll(records(), orNull(SourceDSL.longs().all(), 50), SourceDSL.longs().all())
                .checkAssert(RecordBatchPropertiesTest::batchesRoundTripAnyRecords);
    }

    private static void batchesRoundTripAnyRecords(List<In> records, Long logAppendTime, long baseOffset) {
        long base = baseOffset & (Long.MAX_VALUE >> 1);
        RecordBatch batch = LogTestSupport.build(records, logAppendTime);
        batch.setBaseOffset(base);

        assertThat(batch.isValid()).isTrue();
        assertThat(batch.recordCount()).isEqualTo(records.size());
        assertThat(batch.nextOffset()).isEqualTo(base + records.size());
        List<Rec> expected = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            In in = records.get(i);
            expected.add(new Rec(base + i, logAppendTime != null ? logAppendTime : in.timestamp(),
                    in.key(), in.value(), in.headers()));
        }
        assertThat(decode(batch)).isEqualTo(expected);
        assertThat(batch.maxTimestamp()).isEqualTo(expected.stream().mapToLong(Rec::timestamp).max().orElseThrow());
    }

    @Test
    void anyFlippedByteInTheCoveredAreaIsDetected() {
        qt(50).forAll(records(), SourceDSL.integers().between(0, Integer.MAX_VALUE), SourceDSL.integers().between(1, 255))
                .checkAssert(RecordBatchPropertiesTest::anyFlippedByteInTheCoveredAreaIsDetected);
    }

    private static void anyFlippedByteInTheCoveredAreaIsDetected(List<In> records, int where, int mask) {
        byte[] bytes = RecordBatchTest.toArray(LogTestSupport.build(records, null));
        int position = RecordBatch.MAGIC_OFFSET + where % (bytes.length - RecordBatch.MAGIC_OFFSET);
        bytes[position] ^= (byte) mask;

        assertThat(new RecordBatch(ByteBuffer.wrap(bytes)).isValid()).isFalse();
    }

    /** One to 30 records: any timestamp or a narrow range, and JSON-ish strings with multi-byte characters, or null. */
    private static Gen<List<In>> records() {
        Gen<String> json = orNull(strings(charsOf(charRange(' ', '\u00ff') + "€字"), 0, 40), 20);
        Gen<Long> timestamps = Generate.oneOf(SourceDSL.longs().all(), SourceDSL.longs().between(0, 10_000));
        return lists(timestamps.zip(json, json, json, In::new), 1, 30);
    }
}
