package io.runnel.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * When each part of a compacted log became clean: the history of the cleaner's passes, as a
 * list of {@code (end offset, time)} entries with both increasing — the offsets below the first
 * entry's end became clean at its time, those from there to the second entry's end at the
 * second's, and so on. The last end is the first dirty offset (Kafka's cleaner-offset-checkpoint).
 *
 * <p>Why times of passes rather than record or file times: a tombstone may be dropped once it has
 * been in the clean part for {@code delete.retention.ms}, so that a consumer that read up to the
 * clean part within that time saw it. Batch timestamps are the producer's (CreateTime may be
 * anything) and say nothing of when the record became clean; a file's last-modified time is the
 * wall clock, not the log's injected clock, and a cleaner's copy resets it. The pass times come
 * from the injected clock and keep that meaning exactly.
 *
 * <p>File {@value #FILE}: one line {@code <endOffset> <cleanedAtMs>} per entry, written with
 * {@link AtomicFile}. At most {@value #MAX_ENTRIES} entries: past that the two oldest merge into
 * one taking the later time (a tombstone then waits a little longer, never less).
 *
 * <p>Crash: the file is written after a pass's swap completed; if a crash loses that write, the
 * next pass takes the range for dirty again (cleaning clean data again changes nothing) and its
 * tombstones become clean later — kept longer, never dropped early. A missing or malformed file
 * reads as "nothing is clean". {@link LogTruncation} cuts the history back with the log, so
 * offsets written again after a truncation are dirty, not clean since an old time.
 *
 * <p>Immutable; the file is written only by the cleaner (under the log's clean lock) and by a
 * truncation (under the append lock, which the cleaner's swap also takes).
 */
record CleanerCheckpoint(List<Entry> entries) {
    static final String FILE = "cleaner-checkpoint";
    static final int MAX_ENTRIES = 64;

    /** Offsets below {@code endOffset} (and above the previous entry's) became clean at {@code cleanedAtMs}. */
    record Entry(long endOffset, long cleanedAtMs) {
    }

    CleanerCheckpoint {
        entries = List.copyOf(entries);
    }

    static final CleanerCheckpoint EMPTY = new CleanerCheckpoint(List.of());

    /** The history in {@code dir}, or {@link #EMPTY} when the file is missing or malformed. */
    static CleanerCheckpoint read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return EMPTY;
        }
        List<Entry> entries = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                if (line.isBlank()) {
                    continue;
                }
                String[] parts = line.trim().split(" ");
                Entry e = new Entry(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
                if (parts.length != 2 || (!entries.isEmpty() && !follows(entries.get(entries.size() - 1), e))) {
                    return EMPTY;
                }
                entries.add(e);
            }
        } catch (RuntimeException e) {
            return EMPTY;
        }
        return new CleanerCheckpoint(entries);
    }

    void write(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            sb.append(e.endOffset()).append(' ').append(e.cleanedAtMs()).append('\n');
        }
        AtomicFile.write(dir.resolve(FILE), sb.toString().getBytes(StandardCharsets.US_ASCII));
    }

    /** Where the dirty part of the log starts: the end of the last pass, or 0. */
    long firstDirtyOffset() {
        return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).endOffset();
    }

    /** When {@code offset} became clean, or empty while it is dirty. */
    OptionalLong cleanSince(long offset) {
        for (Entry e : entries) {
            if (offset < e.endOffset()) {
                return OptionalLong.of(e.cleanedAtMs());
            }
        }
        return OptionalLong.empty();
    }

    /** The history after a pass that cleaned everything below {@code endOffset} at {@code nowMs}. */
    CleanerCheckpoint cleanedTo(long endOffset, long nowMs) {
        if (endOffset <= firstDirtyOffset()) {
            return this;
        }
        List<Entry> next = new ArrayList<>(entries);
        long time = next.isEmpty() ? nowMs : Math.max(nowMs, next.get(next.size() - 1).cleanedAtMs());
        next.add(new Entry(endOffset, time));
        while (next.size() > MAX_ENTRIES) {
            Entry merged = next.remove(1);
            next.set(0, merged);
        }
        return new CleanerCheckpoint(next);
    }

    /** The history after the log was cut at {@code endOffset}: nothing at or above it is clean. */
    CleanerCheckpoint truncatedTo(long endOffset) {
        List<Entry> next = new ArrayList<>();
        for (Entry e : entries) {
            if (e.endOffset() >= endOffset) {
                if (endOffset > 0 && (next.isEmpty() || next.get(next.size() - 1).endOffset() < endOffset)) {
                    next.add(new Entry(endOffset, e.cleanedAtMs()));
                }
                break;
            }
            next.add(e);
        }
        return new CleanerCheckpoint(next);
    }

    private static boolean follows(Entry previous, Entry e) {
        return e.endOffset() > previous.endOffset() && e.cleanedAtMs() >= previous.cleanedAtMs();
    }
}
