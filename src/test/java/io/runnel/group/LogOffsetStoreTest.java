package io.runnel.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.group.OffsetStore.Committed;
import io.runnel.storage.DataLayout;
import io.runnel.topic.TopicPartition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The committed-offsets store over its own files: what a reopen (a restart) sees after commits,
 * deletions, snapshots and a crash that tore the log's tail. A crash is simulated by closing the
 * store and removing the log's clean-shutdown marker, so the next open validates the active
 * segment exactly as after {@code kill -9}.
 */
class LogOffsetStoreTest {
    private static final TopicPartition T0 = new TopicPartition("orders", 0);
    private static final TopicPartition T1 = new TopicPartition("orders", 1);
    private static final TopicPartition P0 = new TopicPartition("payments", 0);

    @TempDir
    Path dataDir;

    private final JsonMapper json = JsonMapper.builder().build();
    private LogOffsetStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.destroy();
        }
    }

    private LogOffsetStore reopen(LogOffsetStore.Sizes sizes) throws IOException {
        if (store != null) {
            store.destroy();
        }
        store = new LogOffsetStore(new DataLayout(dataDir), json, Clock.systemUTC(), sizes);
        return store;
    }

    private LogOffsetStore reopen() throws IOException {
        return reopen(LogOffsetStore.Sizes.DEFAULT);
    }

    private Path logDir() {
        return dataDir.resolve("meta").resolve("group-offsets");
    }

    private Path activeSegment() throws IOException {
        try (Stream<Path> files = Files.list(logDir())) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).max(Path::compareTo).orElseThrow();
        }
    }

    /** Closes the store and forgets that it closed cleanly, as if the process had been killed. */
    private void crash() throws IOException {
        store.destroy();
        store = null;
        Files.deleteIfExists(logDir().resolve("clean-shutdown"));
    }

    @Test
    void committedOffsetsSurviveReopen() throws IOException {
        reopen().commit("billing", Map.of(T0, new Committed(5, "a"), T1, new Committed(7, "")));
        store.commit("billing", Map.of(T0, new Committed(9, "b")));
        store.commit("audit", Map.of(P0, new Committed(3, "x")));

        reopen();

        assertThat(store.committed("billing")).isEqualTo(Map.of(T0, new Committed(9, "b"), T1, new Committed(7, "")));
        assertThat(store.committed("audit")).isEqualTo(Map.of(P0, new Committed(3, "x")));
        assertThat(store.groups()).containsExactlyInAnyOrder("billing", "audit");
    }

    @Test
    void deletedGroupStaysDeletedAfterReopenAndOthersAreKept() throws IOException {
        reopen().commit("billing", Map.of(T0, new Committed(5, "")));
        store.commit("audit", Map.of(P0, new Committed(3, "")));
        store.deleteGroup("billing");

        reopen();
        assertThat(store.committed("billing")).isEmpty();
        assertThat(store.groups()).containsExactly("audit");

        store.commit("billing", Map.of(T1, new Committed(2, "")));
        reopen();
        assertThat(store.committed("billing")).as("a group committed again after deletion starts afresh")
                .isEqualTo(Map.of(T1, new Committed(2, "")));
    }

    @Test
    void snapshotAndSegmentDeletionKeepTheLatestOffsetsAcrossReopen() throws IOException {
        LogOffsetStore.Sizes small = new LogOffsetStore.Sizes(2048, 1024);
        reopen(small);
        Map<String, Map<TopicPartition, Committed>> expected = new HashMap<>();
        for (int i = 0; i < 150; i++) {
            String group = i < 60 ? "g" + (i % 3) : "g" + (i % 2);
            TopicPartition tp = new TopicPartition("orders", i % 5);
            Committed c = new Committed(i, "n" + i);
            store.commit(group, Map.of(tp, c));
            expected.computeIfAbsent(group, g -> new HashMap<>()).put(tp, c);
            if (i == 60) {
                store.deleteGroup("g2"); // before several snapshots: a snapshot must not bring it back
                expected.remove("g2");
            }
        }

        assertThat(dataDir.resolve("meta").resolve("group-offsets.snapshot.json")).exists();
        assertThat(logDir().resolve("00000000000000000000.log")).as("segments covered by a snapshot are deleted").doesNotExist();

        reopen(small);
        assertThat(store.groups()).isEqualTo(expected.keySet());
        expected.forEach((g, offsets) -> assertThat(store.committed(g)).as(g).isEqualTo(offsets));

        crash();
        reopen(small);
        expected.forEach((g, offsets) -> assertThat(store.committed(g)).as("%s after a crash", g).isEqualTo(offsets));
    }

    @Test
    void recoveryDropsATornLastCommitWholeAndKeepsEarlierOnes() throws IOException {
        reopen().commit("billing", Map.of(T0, new Committed(5, "")));
        store.commit("billing", Map.of(T0, new Committed(8, ""), T1, new Committed(4, "")));
        store.commit("billing", Map.of(T0, new Committed(12, ""), T1, new Committed(9, ""), P0, new Committed(1, "")));
        crash();
        Path segment = activeSegment();
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 5); // the last commit was half written when the power went
        }

        reopen();

        assertThat(store.committed("billing")).as("a commit is atomic: none of the torn one, all of the earlier")
                .isEqualTo(Map.of(T0, new Committed(8, ""), T1, new Committed(4, "")));
    }

    @Test
    void recoveryCutsGarbageAfterTheLastCommitSoLaterCommitsSurvive() throws IOException {
        reopen().commit("billing", Map.of(T0, new Committed(5, "")));
        store.commit("billing", Map.of(T1, new Committed(6, "")));
        crash();
        try (FileChannel ch = FileChannel.open(activeSegment(), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            byte[] garbage = new byte[37];
            java.util.Arrays.fill(garbage, (byte) 0x5A);
            ch.write(ByteBuffer.wrap(garbage));
        }

        reopen();
        assertThat(store.committed("billing")).isEqualTo(Map.of(T0, new Committed(5, ""), T1, new Committed(6, "")));

        store.commit("billing", Map.of(T0, new Committed(11, "after recovery")));
        crash();
        reopen();
        assertThat(store.committed("billing")).as("a commit made after recovery is not hidden behind the old garbage")
                .isEqualTo(Map.of(T0, new Committed(11, "after recovery"), T1, new Committed(6, "")));
    }
}
