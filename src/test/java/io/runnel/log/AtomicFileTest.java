package io.runnel.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    @TempDir
    Path dir;

    @Test
    void writeCreatesTheFile() throws IOException {
        Path target = dir.resolve("recovery-point");

        AtomicFile.write(target, "42".getBytes());

        assertThat(target).hasContent("42");
        assertThat(LogTestSupport.files(dir, ".tmp")).isEmpty();
    }

    @Test
    void writeReplacesTheWholeContentAndLeavesNoTemporaryFile() throws IOException {
        Path target = dir.resolve("recovery-point");
        AtomicFile.write(target, "a much longer first content".getBytes());

        AtomicFile.write(target, "short".getBytes());

        assertThat(target).hasContent("short");
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).containsExactly(target);
        }
    }

    @Test
    void writeOverAStaleTemporaryFileStillWorks() throws IOException {
        Path target = dir.resolve("x");
        Files.writeString(dir.resolve("x.tmp"), "left over from a crash, and longer");

        AtomicFile.write(target, "new".getBytes());

        assertThat(target).hasContent("new");
        assertThat(dir.resolve("x.tmp")).doesNotExist();
    }

    @Test
    void writeOfEmptyContentMakesAnEmptyFile() throws IOException {
        Path target = dir.resolve("clean-shutdown");

        AtomicFile.write(target, new byte[0]);

        assertThat(Files.size(target)).isZero();
    }

    @Test
    void writeIntoAMissingDirectoryFailsAndLeavesNothing() {
        Path target = dir.resolve("missing").resolve("x");

        assertThatThrownBy(() -> AtomicFile.write(target, "1".getBytes())).isInstanceOf(IOException.class);
        assertThat(dir.resolve("missing")).doesNotExist();
    }

    @Test
    void fsyncDirectoryAcceptsADirectory() throws IOException {
        AtomicFile.fsyncDirectory(dir);
    }
}
