package io.runnel.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The first offset of each leader epoch in a log, like Kafka's {@code leader-epoch-checkpoint}:
 * entries (epoch, startOffset), both strictly ascending, each starting at the first batch the log
 * holds with that epoch. A follower asks the leader where an epoch ends ({@link #endOffsetFor}) to
 * find where its own log diverges.
 *
 * <p>Invariant kept by {@link PartitionLog}: every entry starts in [log start, log end). An entry
 * is added, before its batch is written, when a batch carries an epoch larger than the latest;
 * truncation drops the entries it cuts off; retention moves the last entry that starts below the
 * new log start up to it. So the entries always equal what scanning the batch headers of the log
 * with {@link #assign} would give.
 *
 * <p>File (text, as Kafka's): a version line {@code 0}, a count line, then one line per entry
 * {@code <epoch> <startOffset>}. It is rewritten with {@link AtomicFile} at every change (once per
 * leader change, not per append). A missing or malformed file is rebuilt from the log.
 *
 * <p>Thread-safety: mutated under the owning log's append lock; readers take the immutable list.
 */
final class LeaderEpochCache {
    static final String FILE = "leader-epoch-checkpoint";
    private static final int VERSION = 0;

    /** One epoch and the offset of its first batch. */
    record Entry(int epoch, long startOffset) {
    }

    private final Path file;
    private volatile List<Entry> entries;

    private LeaderEpochCache(Path file, List<Entry> entries) {
        this.file = file;
        this.entries = List.copyOf(entries);
    }

    static LeaderEpochCache empty(Path file) {
        return new LeaderEpochCache(file, List.of());
    }

    /** Loads {@code file}; empty when it is missing or malformed (the caller rebuilds it then). */
    static Optional<LeaderEpochCache> load(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        // Decoded leniently: garbage must read as malformed, not fail the open.
        String content = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
        return parse(content).map(e -> new LeaderEpochCache(file, e));
    }

    private static Optional<List<Entry>> parse(String content) {
        String[] lines = content.split("\n", -1);
        try {
            if (lines.length < 2 || Integer.parseInt(lines[0].trim()) != VERSION) {
                return Optional.empty();
            }
            int count = Integer.parseInt(lines[1].trim());
            // Exactly the counted lines, then only the final newline.
            if (count < 0 || lines.length != count + 3 || !lines[count + 2].isEmpty()) {
                return Optional.empty();
            }
            List<Entry> parsed = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String[] fields = lines[i + 2].trim().split(" ");
                if (fields.length != 2) {
                    return Optional.empty();
                }
                Entry entry = new Entry(Integer.parseInt(fields[0]), Long.parseLong(fields[1]));
                if (entry.startOffset() < 0 || (!parsed.isEmpty() && !follows(parsed.get(parsed.size() - 1), entry))) {
                    return Optional.empty();
                }
                parsed.add(entry);
            }
            return Optional.of(parsed);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean follows(Entry previous, Entry next) {
        return next.epoch() > previous.epoch() && next.startOffset() > previous.startOffset();
    }

    List<Entry> entries() {
        return entries;
    }

    /** The latest epoch, or -1 when there is none. */
    int latestEpoch() {
        List<Entry> e = entries;
        return e.isEmpty() ? -1 : e.get(e.size() - 1).epoch();
    }

    /** KIP-101/KIP-279: see {@link EpochEndOffset}; the latest epoch ends at {@code logEndOffset}. */
    EpochEndOffset endOffsetFor(int epoch, long logEndOffset) {
        List<Entry> e = entries;
        int i = e.size() - 1;
        while (i >= 0 && e.get(i).epoch() > epoch) {
            i--;
        }
        if (i < 0) {
            return EpochEndOffset.UNDEFINED;
        }
        long end = i == e.size() - 1 ? logEndOffset : e.get(i + 1).startOffset();
        return new EpochEndOffset(e.get(i).epoch(), end);
    }

    /** Throws unless a batch of {@code epoch} may follow the log: epochs never go back. */
    void checkEpoch(int epoch) {
        int latest = latestEpoch();
        if (epoch < latest) {
            throw new LogException("batch leader epoch " + epoch + " is below the log's latest epoch " + latest);
        }
    }

    /**
     * Records that a batch of {@code epoch} starts at {@code startOffset}: adds an entry when the
     * epoch is larger than the latest. Returns whether it did (the caller then persists).
     */
    boolean assign(int epoch, long startOffset) {
        checkEpoch(epoch);
        if (epoch == latestEpoch()) {
            return false;
        }
        List<Entry> grown = new ArrayList<>(entries);
        grown.add(new Entry(epoch, startOffset));
        entries = List.copyOf(grown);
        return true;
    }

    /** Drops the entries starting at or after {@code endOffset} (the log was cut there). Returns whether any was. */
    boolean truncateFromEnd(long endOffset) {
        List<Entry> e = entries;
        List<Entry> kept = e.stream().filter(x -> x.startOffset() < endOffset).toList();
        entries = kept;
        return kept.size() != e.size();
    }

    /**
     * The log now starts at {@code logStartOffset}: entries starting below it go, except the last
     * of them, which now starts there (its epoch still holds the first batch left), if the log is
     * not empty. Returns whether anything changed.
     */
    boolean truncateFromStart(long logStartOffset, long logEndOffset) {
        List<Entry> e = entries;
        List<Entry> kept = new ArrayList<>();
        Entry lastBelow = null;
        for (Entry x : e) {
            if (x.startOffset() < logStartOffset) {
                lastBelow = x;
            } else {
                kept.add(x);
            }
        }
        boolean startsAtLogStart = !kept.isEmpty() && kept.get(0).startOffset() == logStartOffset;
        if (lastBelow != null && !startsAtLogStart && logStartOffset < logEndOffset) {
            kept.add(0, new Entry(lastBelow.epoch(), logStartOffset));
        }
        if (kept.equals(e)) {
            return false;
        }
        entries = List.copyOf(kept);
        return true;
    }

    void clear() {
        entries = List.of();
    }

    /** Writes the entries to the checkpoint file atomically. */
    void persist() throws IOException {
        List<Entry> e = entries;
        StringBuilder out = new StringBuilder().append(VERSION).append('\n').append(e.size()).append('\n');
        for (Entry x : e) {
            out.append(x.epoch()).append(' ').append(x.startOffset()).append('\n');
        }
        AtomicFile.write(file, out.toString().getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "LeaderEpochCache" + entries;
    }
}
