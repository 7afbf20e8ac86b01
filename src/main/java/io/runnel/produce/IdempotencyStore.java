package io.runnel.produce;

import io.runnel.config.RunnelProperties;
import io.runnel.log.AtomicFile;
import io.runnel.storage.DataLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Remembers the answers to produce requests that carried an {@code Idempotency-Key}, for
 * {@code runnel.produce.idempotency-window}, so a replay returns the original answer and writes
 * nothing again.
 *
 * <p>Storage: {@link DataLayout#idempotencyLog()} ({@code <data-dir>/meta/idempotency.log}), one line per answer:
 * {@code expiresAtMs <TAB> scope <TAB> fingerprint <TAB> status <TAB> base64(body)}, appended and
 * fsynced before the answer is sent, so an acknowledged answer survives a restart. The file is
 * rewritten without expired lines at start and every {@value #REWRITE_EVERY} appends (when the disk
 * has no room for the copy, the rewrite is skipped and appends go on to the old file); a torn last
 * line is skipped. Known gap: a crash after the records are durable but before this line is, loses
 * the key, and a retry writes the records again.
 *
 * <p>Thread-safety: all methods may be called concurrently; appends are serialized.
 */
@Component
public class IdempotencyStore implements DisposableBean {
    static final int REWRITE_EVERY = 10_000;

    /** A remembered answer. {@code fingerprint} identifies the request it answered. */
    public record Answer(long expiresAtMs, String fingerprint, int status, byte[] body) {
    }

    private final Path file;
    private final Clock clock;
    private final long windowMs;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final Map<String, Object> inFlight = new ConcurrentHashMap<>();
    private FileChannel channel;
    private int appendsSinceRewrite;

    public IdempotencyStore(RunnelProperties props, DataLayout layout, Clock clock) throws IOException {
        this.file = layout.idempotencyLog();
        this.clock = clock;
        this.windowMs = props.produce().idempotencyWindow().toMillis();
        Files.createDirectories(file.getParent());
        load();
    }

    private void load() throws IOException {
        if (Files.exists(file)) {
            long now = clock.millis();
            List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
            for (String line : lines) {
                String[] f = line.split("\t", -1);
                if (f.length != 5) {
                    continue; // torn or foreign line
                }
                try {
                    long expires = Long.parseLong(f[0]);
                    if (expires > now) {
                        answers.put(f[1], new Answer(expires, f[2], Integer.parseInt(f[3]), Base64.getDecoder().decode(f[4])));
                    }
                } catch (IllegalArgumentException e) {
                    // a torn line: skip it
                }
            }
        }
        try {
            rewrite();
        } catch (IOException e) {
            // No room for the compacted copy (disk full): start anyway, appending to the file as it is.
            openForAppend();
        }
    }

    /** Opens the existing file for appends, first cutting a torn last line (which never needs space). */
    private void openForAppend() throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long end = channel.size();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (end > 0) {
            one.clear();
            channel.read(one, end - 1);
            if (one.get(0) == '\n') {
                break;
            }
            end--;
        }
        if (end < channel.size()) {
            channel.truncate(end);
            channel.force(false);
        }
        channel.position(end);
        appendsSinceRewrite = 0;
    }

    /** The remembered answer for {@code scope}, if still in the window. */
    public Optional<Answer> find(String scope) {
        Answer a = answers.get(scope);
        if (a == null || a.expiresAtMs() <= clock.millis()) {
            return Optional.empty();
        }
        return Optional.of(a);
    }

    /**
     * Runs {@code work} with no other request of the same scope in flight, so two concurrent
     * replays cannot both write.
     */
    public <T> T exclusively(String scope, java.util.function.Supplier<T> work) {
        Object lock = inFlight.computeIfAbsent(scope, k -> new Object());
        synchronized (lock) {
            try {
                return work.get();
            } finally {
                inFlight.remove(scope, lock);
            }
        }
    }

    /** Durably remembers {@code body} as the answer for {@code scope}. */
    public synchronized void remember(String scope, String fingerprint, int status, byte[] body) throws IOException {
        long expires = clock.millis() + windowMs;
        String line = expires + "\t" + scope + "\t" + fingerprint + "\t" + status + "\t"
                + Base64.getEncoder().encodeToString(body) + "\n";
        ByteBuffer buf = ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
        long size = channel.size();
        try {
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            channel.force(false);
        } catch (IOException e) {
            channel.truncate(size);
            throw e;
        }
        answers.put(scope, new Answer(expires, fingerprint, status, body));
        if (++appendsSinceRewrite >= REWRITE_EVERY) {
            try {
                rewrite();
            } catch (IOException e) {
                // The answer is already durable; compaction is retried after another REWRITE_EVERY appends.
                appendsSinceRewrite = 0;
            }
        }
    }

    private synchronized void rewrite() throws IOException {
        long now = clock.millis();
        answers.values().removeIf(a -> a.expiresAtMs() <= now);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        answers.forEach((scope, a) -> out.writeBytes((a.expiresAtMs() + "\t" + scope + "\t" + a.fingerprint() + "\t" + a.status()
                + "\t" + Base64.getEncoder().encodeToString(a.body()) + "\n").getBytes(StandardCharsets.US_ASCII)));
        AtomicFile.write(file, out.toByteArray()); // on failure the old file and channel stay in use
        FileChannel old = channel;
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        if (old != null) {
            old.close();
        }
        appendsSinceRewrite = 0;
    }

    @Override
    public synchronized void destroy() throws IOException {
        channel.close();
    }
}
