package io.runnel.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Classifying write failures as a full disk by asking the file store, with the usable-space query
 * replaced by a fixed answer, so no real full disk is needed (DiskFullIT fills a real one).
 */
class StorageErrorsTest {
    private static final long MARGIN = StorageErrors.FULL_MARGIN_BYTES;
    private static final IOException EIO = new IOException("Input/output error");

    @TempDir
    Path dir;

    private static StorageErrors withUsableSpace(long bytes) {
        return new StorageErrors(d -> bytes);
    }

    @Test
    void aFailureOnAStoreWithLessSpaceThanTheWriteNeededIsStorageFullWhateverItsMessage() {
        LogException e = withUsableSpace(10_000).writeFailure("append to x", EIO, dir, 200_000);

        assertThat(e).isInstanceOf(LogException.StorageFull.class).hasMessage("append to x: no space left on device")
                .hasCause(EIO);
    }

    @Test
    void theStoreCountsAsFullBelowWhatTheWriteNeededPlusTheMargin() {
        assertThat(withUsableSpace(5_000 + MARGIN - 1).isOutOfSpace(EIO, dir, 5_000)).isTrue();
        assertThat(withUsableSpace(5_000 + MARGIN).isOutOfSpace(EIO, dir, 5_000)).isFalse();
        assertThat(withUsableSpace(MARGIN - 1).isOutOfSpace(new IOException(), dir, 0)).as("no message at all").isTrue();
    }

    @Test
    void aFailureWithSpaceLeftIsAPlainLogException() {
        LogException e = withUsableSpace(Long.MAX_VALUE / 2).writeFailure("append to x", EIO, dir, 100);

        assertThat(e).isNotInstanceOf(LogException.StorageFull.class)
                .hasMessage("append to x failed: Input/output error").hasCause(EIO);
    }

    @Test
    void noSpaceOrQuotaInTheMessageIsStorageFullEvenWhenTheStoreReportsSpace() {
        // Out of inodes, or a quota: the store's usable space does not show it.
        StorageErrors plenty = withUsableSpace(Long.MAX_VALUE / 2);

        assertThat(plenty.isOutOfSpace(new IOException("No space left on device"), dir, 1)).isTrue();
        assertThat(plenty.isOutOfSpace(new IOException("Disk quota exceeded"), dir, 1)).isTrue();
        assertThat(plenty.isOutOfSpace(new IOException("write failed", new IOException("No space left on device")), dir, 1))
                .as("in a cause").isTrue();
    }

    @Test
    void whenTheStoreCannotBeAskedTheMessageDecides() {
        StorageErrors unknown = new StorageErrors(d -> {
            throw new IOException("no file store");
        });

        assertThat(unknown.isOutOfSpace(EIO, dir, 1)).isFalse();
        assertThat(unknown.isOutOfSpace(new IOException("No space left on device"), dir, 1)).isTrue();
    }

    @Test
    void theStoreIsAskedAboutTheNearestDirectoryThatExists() {
        List<Path> asked = new ArrayList<>();
        StorageErrors recording = new StorageErrors(d -> {
            asked.add(d);
            return Long.MAX_VALUE / 2;
        });

        recording.isOutOfSpace(EIO, dir.resolve("not-yet").resolve("deeper"), 1);

        assertThat(asked).containsExactly(dir.toAbsolutePath());
    }

    @Test
    void ofWriteFailureAsksTheRealFileStore() throws IOException {
        assumeTrue(Files.getFileStore(dir).getUsableSpace() > 2 * MARGIN, "the temp file system is nearly full");

        assertThat(LogException.ofWriteFailure("save x", EIO, dir, 10)).isNotInstanceOf(LogException.StorageFull.class)
                .hasMessage("save x failed: Input/output error");
        assertThat(LogException.ofWriteFailure("save x", EIO, dir, Long.MAX_VALUE / 4))
                .as("more than the store has").isInstanceOf(LogException.StorageFull.class);
    }
}
