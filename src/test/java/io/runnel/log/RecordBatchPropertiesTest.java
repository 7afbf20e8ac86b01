package io.runnel.log;

import static io.runnel.log.LogTestSupport.decode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.log.LogTestSupport.In;
import io.runnel.log.LogTestSupport.Rec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class RecordBatchPropertiesTest {

    @Property(tries = 200)
    void varintRoundTripsEveryInt(@ForAll int value) {
        ByteBuffer buf = ByteBuffer.allocate(10);
        Varint.writeInt(value, buf);
        assertThat(buf.position()).isEqualTo(Varint.sizeOfInt(value));
        buf.flip();
        assertThat(Varint.readInt(buf)).isEqualTo(value);
        assertThat(buf.hasRemaining()).isFalse();
    }

    @Property(tries = 200)
    void varintRoundTripsEveryLong(@ForAll long value) {
        ByteBuffer buf = ByteBuffer.allocate(10);
        Varint.writeLong(value, buf);
        assertThat(buf.position()).isEqualTo(Varint.sizeOfLong(value));
        buf.flip();
        assertThat(Varint.readLong(buf)).isEqualTo(value);
        assertThat(buf.hasRemaining()).isFalse();
    }

    @Property(tries = 100)
    void varintSequencesDecodeInOrder(@ForAll @Size(max = 20) List<Long> values) {
        ByteBuffer buf = ByteBuffer.allocate(10 * values.size());
        values.forEach(v -> Varint.writeLong(v, buf));
        buf.flip();
        List<Long> read = new ArrayList<>();
        while (buf.hasRemaining()) {
            read.add(Varint.readLong(buf));
        }
        assertThat(read).isEqualTo(values);
    }

    @Property(tries = 50)
    void readIntRejectsAVarlongOutsideTheIntRange(@ForAll @IntRange(min = 1, max = 1000) int beyond) {
        ByteBuffer buf = ByteBuffer.allocate(10);
        Varint.writeLong((long) Integer.MAX_VALUE + beyond, buf);
        buf.flip();
        assertThatThrownBy(() -> Varint.readInt(buf)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 1)
    void readLongRejectsAVarintLongerThanTenBytes() {
        ByteBuffer buf = ByteBuffer.allocate(12);
        for (int i = 0; i < 11; i++) {
            buf.put((byte) 0x80);
        }
        buf.put((byte) 0);
        buf.flip();
        assertThatThrownBy(() -> Varint.readLong(buf)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 100)
    void batchesRoundTripAnyRecords(@ForAll("records") List<In> records, @ForAll("appendTime") Long logAppendTime,
                                    @ForAll long baseOffset) {
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

    @Property(tries = 50)
    void anyFlippedByteInTheCoveredAreaIsDetected(@ForAll("records") List<In> records,
                                                  @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int where,
                                                  @ForAll @IntRange(min = 1, max = 255) int mask) {
        byte[] bytes = RecordBatchTest.toArray(LogTestSupport.build(records, null));
        int position = RecordBatch.MAGIC_OFFSET + where % (bytes.length - RecordBatch.MAGIC_OFFSET);
        bytes[position] ^= (byte) mask;

        assertThat(new RecordBatch(ByteBuffer.wrap(bytes)).isValid()).isFalse();
    }

    @Provide
    Arbitrary<List<In>> records() {
        Arbitrary<String> json = Arbitraries.strings().withCharRange(' ', '\u00ff').withChars('€', '字').ofMaxLength(40).injectNull(0.2);
        Arbitrary<Long> timestamps = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(0, 10_000));
        return Combinators.combine(timestamps, json, json, json).as(In::new).list().ofMinSize(1).ofMaxSize(30);
    }

    @Provide
    Arbitrary<Long> appendTime() {
        return Arbitraries.longs().injectNull(0.5);
    }
}
