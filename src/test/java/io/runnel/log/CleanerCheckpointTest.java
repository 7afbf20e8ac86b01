package io.runnel.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CleanerCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void tellsWhenEachOffsetBecameCleanAndWhereTheDirtyPartStarts() throws Exception {
        CleanerCheckpoint cp = CleanerCheckpoint.EMPTY.cleanedTo(10, 1000).cleanedTo(25, 2000);
        cp.write(dir);
        CleanerCheckpoint read = CleanerCheckpoint.read(dir);

        assertThat(read).isEqualTo(cp);
        assertThat(read.firstDirtyOffset()).isEqualTo(25);
        assertThat(read.cleanSince(0)).isEqualTo(OptionalLong.of(1000));
        assertThat(read.cleanSince(9)).isEqualTo(OptionalLong.of(1000));
        assertThat(read.cleanSince(10)).isEqualTo(OptionalLong.of(2000));
        assertThat(read.cleanSince(25)).isEmpty();
    }

    @Test
    void aMissingOrMalformedFileReadsAsNothingClean() throws Exception {
        assertThat(CleanerCheckpoint.read(dir)).isEqualTo(CleanerCheckpoint.EMPTY);
        for (String content : new String[] {"garbage\n", "10 5\n5 6\n", "10\n", "10 5 1\n"}) {
            Files.writeString(dir.resolve(CleanerCheckpoint.FILE), content);
            assertThat(CleanerCheckpoint.read(dir)).as(content).isEqualTo(CleanerCheckpoint.EMPTY);
        }
    }

    @Test
    void aTruncationCutsTheHistoryBack() {
        CleanerCheckpoint cp = CleanerCheckpoint.EMPTY.cleanedTo(10, 1000).cleanedTo(25, 2000);

        assertThat(cp.truncatedTo(30)).isEqualTo(cp);
        assertThat(cp.truncatedTo(20).entries()).containsExactly(new CleanerCheckpoint.Entry(10, 1000),
                new CleanerCheckpoint.Entry(20, 2000));
        assertThat(cp.truncatedTo(10).entries()).containsExactly(new CleanerCheckpoint.Entry(10, 1000));
        assertThat(cp.truncatedTo(5).entries()).containsExactly(new CleanerCheckpoint.Entry(5, 1000));
        assertThat(cp.truncatedTo(0)).isEqualTo(CleanerCheckpoint.EMPTY);
    }

    @Test
    void aLongHistoryMergesItsOldestEntriesTakingTheLaterTime() {
        CleanerCheckpoint cp = CleanerCheckpoint.EMPTY;
        for (int i = 1; i <= CleanerCheckpoint.MAX_ENTRIES + 5; i++) {
            cp = cp.cleanedTo(i * 10L, i * 100L);
        }
        List<CleanerCheckpoint.Entry> entries = cp.entries();
        assertThat(entries).hasSize(CleanerCheckpoint.MAX_ENTRIES);
        assertThat(cp.cleanSince(0)).as("never earlier than it really was").isEqualTo(OptionalLong.of(600));
        assertThat(cp.firstDirtyOffset()).isEqualTo((CleanerCheckpoint.MAX_ENTRIES + 5) * 10L);
    }
}
