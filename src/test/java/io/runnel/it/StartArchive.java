package io.runnel.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How child instances start fast: the packaged jar extracted ({@code java -Djarmode=tools -jar runnel.jar extract}, the
 * layout the container image runs) plus a class data sharing archive made by one training start
 * ({@code -XX:ArchiveClassesAtExit} with {@code -Dspring.context.exit=onRefresh}), as the Dockerfile does. A start
 * then costs about half the CPU of {@code java -jar runnel.jar}, which matters when a test starts three instances
 * at once on two cores. The same code runs either way; only class loading is shared.
 *
 * <p>Made once per build under {@code target/start-archive/}, again when the jar is newer. When making it fails
 * (an unusual JDK, no space), children start from the plain jar and the reason is printed: slower, not wrong.
 * Thread-safe: the first caller makes it, the others wait.
 */
final class StartArchive {
    private static final Object LOCK = new Object();
    private static List<String> launcher;

    private StartArchive() {
    }

    /**
     * The command's start: the JVM, {@code jvmOptions}, the archive option when there is one, and {@code -jar} with
     * the jar to run.
     */
    static List<String> command(List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(jvmOptions);
        command.addAll(launcher(jvmOptions));
        return command;
    }

    private static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<String> launcher(List<String> jvmOptions) {
        synchronized (LOCK) {
            if (launcher == null) {
                launcher = make(jvmOptions);
            }
            return launcher;
        }
    }

    private static List<String> make(List<String> jvmOptions) {
        Path jar = RunnelProcess.jar().toAbsolutePath();
        Path dir = RunnelProcess.buildDir().resolve("start-archive");
        Path extracted = dir.resolve("runnel.jar");
        Path archive = dir.resolve("runnel.jsa");
        List<String> plain = List.of("-jar", jar.toString());
        try {
            if (Files.isRegularFile(archive) && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) > 0) {
                return List.of("-XX:SharedArchiveFile=" + archive, "-jar", extracted.toString());
            }
            RunnelProcess.deleteRecursively(dir);
            Path fresh = Files.createTempDirectory(RunnelProcess.buildDir(), "start-archive-");
            run(List.of(java(), "-Djarmode=tools", "-jar", jar.toString(), "extract", "--destination", fresh.resolve("x").toString()),
                    fresh.resolve("extract.log"));
            Files.move(fresh.resolve("x"), dir, StandardCopyOption.ATOMIC_MOVE);
            Path data = Files.createTempDirectory(fresh, "data-");
            List<String> training = new ArrayList<>();
            training.add(java());
            training.addAll(jvmOptions);
            training.addAll(List.of("-XX:ArchiveClassesAtExit=" + archive, "-Dspring.context.exit=onRefresh", "-jar",
                    extracted.toString(), "--server.port=0", "--server.address=127.0.0.1", "--runnel.data-dir=" + data));
            run(training, fresh.resolve("training.log"));
            RunnelProcess.deleteRecursively(fresh);
            if (!Files.isRegularFile(archive)) {
                throw new IOException("the training start made no archive");
            }
            return List.of("-XX:SharedArchiveFile=" + archive, "-jar", extracted.toString());
        } catch (IOException | RuntimeException e) {
            System.out.println("StartArchive: children start from the plain jar: " + e);
            return plain;
        }
    }

    private static void run(List<String> command, Path log) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", command));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("exit " + p.exitValue() + " from " + String.join(" ", command) + "; see " + log);
        }
    }
}
