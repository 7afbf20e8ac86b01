package io.runnel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.SpringApplication;
import org.springframework.util.FileSystemUtils;

/**
 * Temporary data directories for application contexts that Spring's test context cache shares
 * between test classes. A JUnit {@code @TempDir} would be deleted after the first class while the
 * cached context still has its logs open; these are deleted by Spring Boot's shutdown hook, which
 * runs its handlers only after it has closed every application context.
 */
public final class TestDataDirs {
    private TestDataDirs() {
    }

    public static Path create(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            SpringApplication.getShutdownHandlers().add(() -> FileSystemUtils.deleteRecursively(dir.toFile()));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
