package io.runnel.log;

import static io.runnel.log.LogTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CleanedSegmentWriterTest {
    @TempDir
    Path dir;

    /** A one-record batch at the offset, of epoch 0, every record of which the cleaner removed. */
    private static CompactedBatch emptied(long offset) {
        BatchBuilder builder = new BatchBuilder(0, null, 0);
        builder.add(1000, bytes("\"k\""), bytes("{\"pad\":\"" + "x".repeat(1000) + "\"}"), null);
        RecordBatch batch = builder.build();
        batch.setBaseOffset(offset);
        return new CompactedBatch(batch);
    }

    /** Adds emptied batches at offsets 0..count-1 and returns weak references to them. */
    private static List<WeakReference<CompactedBatch>> addEmptied(CleanedSegmentWriter writer, int count) throws Exception {
        List<WeakReference<CompactedBatch>> refs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            CompactedBatch b = emptied(i);
            refs.add(new WeakReference<>(b));
            writer.add(b, true);
        }
        return refs;
    }

    @Test
    void aRunOfEmptiedBatchesHoldsOnlyItsFirstAndLastBatch() throws Exception {
        try (CleanedSegmentWriter writer = new CleanedSegmentWriter(dir.resolve("0.log.cleaned"))) {
            List<WeakReference<CompactedBatch>> refs = addEmptied(writer, 50);
            List<WeakReference<CompactedBatch>> middle = refs.subList(1, refs.size() - 1);

            // The batches between the first and the last are garbage as soon as they were added.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                System.gc();
                return middle.stream().allMatch(r -> r.get() == null);
            });
            assertThat(refs.get(0).get()).isNotNull();
            assertThat(refs.get(refs.size() - 1).get()).isNotNull();

            // The run still ends as before: its last batch keeps its last record and starts at the run's start.
            writer.finish();
            assertThat(writer.recordsKept()).isEqualTo(1);
            Segment copy = Segment.openCleaned(dir, 0, dir.resolve("0.log.cleaned"), 4096);
            List<RecordBatch> batches = new ArrayList<>();
            copy.forEachBatch(batches::add);
            copy.close();
            assertThat(batches).hasSize(1);
            assertThat(batches.get(0).baseOffset()).isZero();
            assertThat(batches.get(0).lastOffset()).isEqualTo(49);
        }
    }
}
