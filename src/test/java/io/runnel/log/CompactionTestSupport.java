package io.runnel.log;

import static io.runnel.log.LogTestSupport.bytes;
import static io.runnel.log.LogTestSupport.decode;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.log.LogTestSupport.Rec;
import java.util.ArrayList;
import java.util.List;

/** Fixtures for the compaction tests: keyed appends and a reader that checks what compaction must keep. */
final class CompactionTestSupport {
    private CompactionTestSupport() {
    }

    /** One record to append: a key and a value (null: a tombstone), as JSON text. */
    record KV(String key, String value) {
    }

    static KV kv(String key, String value) {
        return new KV(key, value);
    }

    /** Appends {@code records} as one batch of {@code epoch} stamped {@code timestamp}; returns the records with their offsets. */
    static List<Rec> append(PartitionLog log, int epoch, long timestamp, List<KV> records) {
        BatchBuilder builder = new BatchBuilder(epoch, null, 0);
        for (KV r : records) {
            builder.add(timestamp, bytes(r.key()), bytes(r.value()), r.key() == null ? null : bytes("{\"h\":" + r.key() + "}"));
        }
        AppendResult result = log.appendAsLeader(builder.build());
        List<Rec> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            KV r = records.get(i);
            out.add(new Rec(result.baseOffset() + i, timestamp, r.key(), r.value(),
                    r.key() == null ? null : "{\"h\":" + r.key() + "}"));
        }
        return out;
    }

    /**
     * Reads the whole log from its start as a consumer does, in steps of {@code maxBytes}, moving on
     * from the last batch read; checks on the way that batches are valid and cover the offsets
     * without gap or overlap, that records come in increasing offset order, and that every read
     * below the high watermark returns at least one record.
     */
    static List<Rec> readAll(PartitionLog log, int maxBytes) {
        List<Rec> got = new ArrayList<>();
        long offset = log.logStartOffset();
        long hw = log.highWatermark();
        long lastOffset = -1;
        while (offset < hw) {
            List<RecordBatch> batches = log.read(offset, maxBytes).batches();
            assertThat(batches).as("read at %d below the high watermark %d", offset, hw).isNotEmpty();
            assertThat(batches.get(0).baseOffset()).isLessThanOrEqualTo(offset);
            assertThat(batches.get(0).lastOffset()).isGreaterThanOrEqualTo(offset);
            long expectedBase = batches.get(0).baseOffset();
            int found = 0;
            for (RecordBatch b : batches) {
                assertThat(b.isValid()).as("batch %s is valid", b).isTrue();
                assertThat(b.baseOffset()).as("batches cover the offsets without gaps").isEqualTo(expectedBase);
                expectedBase = b.nextOffset();
                for (Rec r : decode(b)) {
                    assertThat(r.offset()).as("records inside a batch's range").isBetween(b.baseOffset(), b.lastOffset());
                    if (r.offset() >= offset) {
                        assertThat(r.offset()).as("offsets strictly increase").isGreaterThan(lastOffset);
                        lastOffset = r.offset();
                        got.add(r);
                        found++;
                    }
                }
            }
            assertThat(found).as("a read at %d finds a record to move on from", offset).isPositive();
            offset = batches.get(batches.size() - 1).nextOffset();
        }
        return got;
    }

    static List<Rec> readAll(PartitionLog log) {
        return readAll(log, 4096);
    }
}
