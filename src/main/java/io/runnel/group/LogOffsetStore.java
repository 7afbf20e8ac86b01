package io.runnel.group;

import io.runnel.log.AppendResult;
import io.runnel.log.AtomicFile;
import io.runnel.log.BatchBuilder;
import io.runnel.log.LogConfig;
import io.runnel.log.LogReadResult;
import io.runnel.log.PartitionLog;
import io.runnel.log.RecordBatch;
import io.runnel.storage.DataLayout;
import io.runnel.topic.TopicPartition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.json.JsonMapper;

/**
 * Committed offsets kept in an internal {@link PartitionLog} in {@link DataLayout#groupOffsetsDir()}
 * ({@code <data-dir>/meta/group-offsets/}),
 * like Kafka's {@code __consumer_offsets}: every commit is one batch (so it is atomic), fsynced
 * before it returns whatever {@code runnel.storage.flush} says, because a commit is an
 * acknowledgement the client relies on; concurrent commits share one fsync.
 *
 * <p>Records: key {@code ["group","topic",partition]}, value {@code {"offset":n,"metadata":"…"}};
 * deleting a group appends key {@code ["group"]} with a null value. The current state is held in
 * memory and rebuilt at start by replaying the log from the snapshot
 * ({@link DataLayout#groupOffsetsSnapshot()}: state plus the log offset it covers, written atomically whenever the log
 * has grown by {@value #SNAPSHOT_EVERY_BYTES} bytes, after which older segments are deleted).
 *
 * <p>Thread-safety: commits and deletions are appended in one order under this object's lock and
 * wait for their fsync outside it; reads take no lock and may see a commit a moment before its
 * fsync has returned.
 */
public class LogOffsetStore implements OffsetStore, DisposableBean {
    static final long SNAPSHOT_EVERY_BYTES = 16L * 1024 * 1024;
    static final int SEGMENT_BYTES = 4 * 1024 * 1024;

    /** How often to snapshot and how large segments grow; tests lower both to reach those paths quickly. */
    record Sizes(long snapshotEveryBytes, int segmentBytes) {
        static final Sizes DEFAULT = new Sizes(SNAPSHOT_EVERY_BYTES, SEGMENT_BYTES);
    }

    private final PartitionLog log;
    private final JsonMapper json;
    private final Clock clock;
    private final Path snapshotFile;
    private final long snapshotEveryBytes;
    private final Map<String, Map<TopicPartition, Committed>> groups = new ConcurrentHashMap<>();
    private long bytesSinceSnapshot;

    /** The snapshot file's shape. */
    record Snapshot(long nextOffset, Map<String, List<Entry>> groups) {
    }

    record Entry(String topic, int partition, long offset, String metadata) {
    }

    record Value(long offset, String metadata) {
    }

    @Autowired
    public LogOffsetStore(DataLayout layout, JsonMapper json, Clock clock) throws IOException {
        this(layout, json, clock, Sizes.DEFAULT);
    }

    LogOffsetStore(DataLayout layout, JsonMapper json, Clock clock, Sizes sizes) throws IOException {
        this.json = json;
        this.clock = clock;
        this.snapshotEveryBytes = sizes.snapshotEveryBytes();
        Path dir = layout.groupOffsetsDir();
        this.snapshotFile = layout.groupOffsetsSnapshot();
        LogConfig config = new LogConfig(sizes.segmentBytes(), Long.MAX_VALUE / 4, -1, -1, 4096);
        this.log = PartitionLog.open(dir, config, io.runnel.log.FlushPolicy.ALWAYS, clock);
        long from = log.logStartOffset();
        if (Files.exists(snapshotFile)) {
            Snapshot s = json.readValue(snapshotFile.toFile(), Snapshot.class);
            s.groups().forEach((g, entries) -> {
                Map<TopicPartition, Committed> m = new ConcurrentHashMap<>();
                entries.forEach(e -> m.put(new TopicPartition(e.topic(), e.partition()), new Committed(e.offset(), e.metadata())));
                groups.put(g, m);
            });
            from = Math.max(from, s.nextOffset());
        }
        replay(from);
    }

    private void replay(long from) {
        long offset = from;
        while (offset < log.highWatermark()) {
            LogReadResult r = log.read(offset, 1 << 20);
            long[] next = {offset};
            for (RecordBatch batch : r.batches()) {
                batch.forEachRecord(offset, (o, ts, key, value, headers) -> {
                    apply(key, value);
                    next[0] = o + 1;
                    return true;
                });
            }
            offset = next[0];
        }
    }

    private void apply(ByteBuffer key, ByteBuffer value) {
        List<?> k = json.readValue(bytes(key), List.class);
        String group = (String) k.get(0);
        if (k.size() == 1) {
            if (value == null) {
                groups.remove(group);
            }
            return;
        }
        Value v = json.readValue(bytes(value), Value.class);
        groups.computeIfAbsent(group, g -> new ConcurrentHashMap<>())
                .put(new TopicPartition((String) k.get(1), ((Number) k.get(2)).intValue()), new Committed(v.offset(), v.metadata()));
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Override
    public Map<TopicPartition, Committed> committed(String group) {
        Map<TopicPartition, Committed> m = groups.get(group);
        return m == null ? Map.of() : Map.copyOf(m);
    }

    @Override
    public void commit(String group, Map<TopicPartition, Committed> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        long now = clock.millis();
        BatchBuilder batch = new BatchBuilder(0, null, 128 * offsets.size());
        new TreeMap<>(offsets).forEach((tp, c) -> batch.add(now,
                json.writeValueAsBytes(List.of(group, tp.topic(), tp.partition())),
                json.writeValueAsBytes(new Value(c.offset(), c.metadata())), null));
        append(batch.build(), () -> groups.computeIfAbsent(group, g -> new ConcurrentHashMap<>()).putAll(offsets));
    }

    @Override
    public void deleteGroup(String group) {
        append(new BatchBuilder(0, null, 64).add(clock.millis(), json.writeValueAsBytes(List.of(group)), null, null).build(),
                () -> groups.remove(group));
    }

    /**
     * Appends in log order with the in-memory change under this object's lock, then waits for the
     * fsync outside it, so concurrent commits share one fsync (group commit).
     */
    private void append(RecordBatch batch, Runnable apply) {
        AppendResult appended;
        synchronized (this) {
            appended = log.appendWithoutWaiting(batch);
            apply.run();
            afterAppend(batch.sizeInBytes());
        }
        log.awaitDurable(appended.lastOffset() + 1);
    }

    @Override
    public Set<String> groups() {
        return Set.copyOf(groups.keySet());
    }

    private void afterAppend(int bytes) {
        bytesSinceSnapshot += bytes;
        if (bytesSinceSnapshot < snapshotEveryBytes) {
            return;
        }
        Map<String, List<Entry>> state = new HashMap<>();
        groups.forEach((g, m) -> state.put(g, m.entrySet().stream()
                .map(e -> new Entry(e.getKey().topic(), e.getKey().partition(), e.getValue().offset(), e.getValue().metadata()))
                .toList()));
        long covered = log.highWatermark();
        try {
            AtomicFile.write(snapshotFile, json.writeValueAsBytes(new Snapshot(covered, state)));
            log.deleteSegmentsBelow(covered);
            bytesSinceSnapshot = 0;
        } catch (IOException e) {
            // Keep the log as it is; the next append tries again.
        }
    }

    @Override
    public void destroy() {
        log.close();
    }
}
