package io.runnel.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Shared fixtures for the log tests: a settable clock, batch building, an oracle and file surgery. */
final class LogTestSupport {
    private LogTestSupport() {
    }

    /** A record as a client sends it; strings stand for the JSON bytes, {@code null} for absent. */
    record In(long timestamp, String key, String value, String headers) {
        static In of(long timestamp, String value) {
            return new In(timestamp, null, value, null);
        }
    }

    /** A record as the log holds it. */
    record Rec(long offset, long timestamp, String key, String value, String headers) {
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private final AtomicLong millis;

        MutableClock(long millis) {
            this.millis = new AtomicLong(millis);
        }

        void set(long value) {
            millis.set(value);
        }

        void advance(long delta) {
            millis.addAndGet(delta);
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return new String(out, StandardCharsets.UTF_8);
    }

    static RecordBatch build(List<In> records, Long logAppendTime) {
        BatchBuilder builder = new BatchBuilder(7, logAppendTime, 0);
        for (In r : records) {
            builder.add(r.timestamp(), bytes(r.key()), bytes(r.value()), bytes(r.headers()));
        }
        return builder.build();
    }

    static List<Rec> decode(RecordBatch batch) {
        List<Rec> out = new ArrayList<>();
        batch.forEachRecord(Long.MIN_VALUE, (offset, ts, k, v, h) -> {
            out.add(new Rec(offset, ts, string(k), string(v), string(h)));
            return true;
        });
        return out;
    }

    static List<Rec> decode(List<RecordBatch> batches) {
        List<Rec> out = new ArrayList<>();
        batches.forEach(b -> out.addAll(decode(b)));
        return out;
    }

    /** A value of about {@code size} bytes that names its writer, so a misplaced record shows. */
    static String value(String tag, int size) {
        StringBuilder sb = new StringBuilder("\"").append(tag);
        while (sb.length() < size - 1) {
            sb.append('.');
        }
        return sb.append('"').toString();
    }

    static LogConfig config(int segmentBytes, int indexIntervalBytes) {
        return new LogConfig(segmentBytes, Long.MAX_VALUE / 4, -1, -1, indexIntervalBytes);
    }

    /** Runs {@code body} with a fresh directory that is removed afterwards: one per example of a property. */
    static void withTempDir(Consumer<Path> body) {
        Path dir;
        try {
            dir = Files.createTempDirectory("runnel-log-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            body.accept(dir);
        } finally {
            deleteRecursively(dir);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Copies every file of a log directory, as a crash would leave it: the log may still be open,
     * so there is no clean-shutdown marker and the indexes of the active segment were never saved.
     */
    static void copyFiles(Path from, Path to) {
        try {
            Files.createDirectories(to);
            try (Stream<Path> files = Files.list(from)) {
                for (Path p : files.toList()) {
                    Files.copy(p, to.resolve(p.getFileName()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> files(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long baseOffsetOf(Path segmentFile) {
        return Long.parseLong(segmentFile.getFileName().toString().substring(0, 20));
    }

    static void truncate(Path file, long newSize) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(newSize);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void flipByte(Path file, long position) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, position);
            one.flip();
            byte b = one.get(0);
            ch.write(ByteBuffer.wrap(new byte[] {(byte) ~b}), position);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, byte[] content) {
        try {
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What was appended, batch by batch, with the offsets the log assigned: the oracle every read
     * is checked against.
     */
    static final class Oracle {
        record Appended(long baseOffset, int sizeInBytes, List<Rec> records) {
            long nextOffset() {
                return baseOffset + records.size();
            }
        }

        final List<Appended> batches = new ArrayList<>();
        /** The log end offset while {@link #batches} is empty. */
        private long startOffset;

        AppendResult append(PartitionLog log, List<In> records) {
            return append(log, records, null);
        }

        AppendResult append(PartitionLog log, List<In> records, Long logAppendTime) {
            long expectedBase = endOffset();
            RecordBatch batch = build(records, logAppendTime);
            AppendResult result = log.appendAsLeader(batch);
            assertThat(result.baseOffset()).as("dense offsets").isEqualTo(expectedBase);
            assertThat(result.lastOffset()).isEqualTo(expectedBase + records.size() - 1);
            List<Rec> recs = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                In in = records.get(i);
                long ts = logAppendTime != null ? logAppendTime : in.timestamp();
                recs.add(new Rec(expectedBase + i, ts, in.key(), in.value(), in.headers()));
            }
            batches.add(new Appended(expectedBase, batch.sizeInBytes(), recs));
            return result;
        }

        long endOffset() {
            return batches.isEmpty() ? startOffset : batches.get(batches.size() - 1).nextOffset();
        }

        /** Forgets every batch at or after {@code offset}, as recovery does to a damaged tail. */
        void truncateTo(long offset) {
            batches.removeIf(b -> b.baseOffset() >= offset);
            if (batches.isEmpty()) {
                startOffset = offset;
            }
        }

        /** Forgets batches below {@code offset}, as retention does. */
        void dropBelow(long offset) {
            long end = endOffset();
            batches.removeIf(b -> b.nextOffset() <= offset);
            if (batches.isEmpty()) {
                startOffset = end;
            }
        }

        Appended batchAt(long baseOffset) {
            return batches.stream().filter(b -> b.baseOffset() == baseOffset).findFirst()
                    .orElseThrow(() -> new AssertionError("no batch starts at " + baseOffset));
        }

        List<Rec> records() {
            List<Rec> out = new ArrayList<>();
            batches.forEach(b -> out.addAll(b.records()));
            return out;
        }

        /** Byte position of the batch starting at {@code baseOffset} in the segment starting at {@code segmentBase}. */
        long positionInSegment(long segmentBase, long baseOffset) {
            long position = 0;
            for (Appended b : batches) {
                if (b.baseOffset() >= segmentBase && b.baseOffset() < baseOffset) {
                    position += b.sizeInBytes();
                }
            }
            return position;
        }

        /** Brute force: the first offset at or after {@code from} whose timestamp is ≥ {@code timestamp}. */
        long offsetForTimestamp(long timestamp, long from) {
            for (Rec r : records()) {
                if (r.offset() >= from && r.timestamp() >= timestamp) {
                    return r.offset();
                }
            }
            return endOffset();
        }

        /**
         * Checks one read against the oracle: the first batch holds {@code offset}, batches are
         * whole, valid, contiguous, as appended, below the high watermark, within {@code maxBytes}
         * (except a first batch that alone is larger) and no shorter than the budget allows.
         */
        void checkRead(PartitionLog log, long offset, int maxBytes) {
            LogReadResult result = log.read(offset, maxBytes);
            long hw = endOffset();
            assertThat(result.highWatermark()).isEqualTo(hw);
            assertThat(result.logStartOffset()).isEqualTo(log.logStartOffset());
            List<RecordBatch> got = result.batches();
            if (offset == hw) {
                assertThat(got).as("read at the high watermark").isEmpty();
                return;
            }
            assertThat(got).as("read at %d of %d", offset, hw).isNotEmpty();
            assertThat(got.get(0).baseOffset()).isLessThanOrEqualTo(offset);
            assertThat(got.get(0).lastOffset()).isGreaterThanOrEqualTo(offset);
            long expectedBase = got.get(0).baseOffset();
            long total = 0;
            for (RecordBatch b : got) {
                assertThat(b.isValid()).as("batch %s is valid", b).isTrue();
                assertThat(b.baseOffset()).as("contiguous").isEqualTo(expectedBase);
                Appended appended = batchAt(b.baseOffset());
                assertThat(b.sizeInBytes()).isEqualTo(appended.sizeInBytes());
                assertThat(decode(b)).isEqualTo(appended.records());
                expectedBase = b.nextOffset();
                total += b.sizeInBytes();
            }
            assertThat(expectedBase).as("never past the high watermark").isLessThanOrEqualTo(hw);
            if (got.size() > 1) {
                assertThat(total).as("within maxBytes").isLessThanOrEqualTo(maxBytes);
            }
            if (expectedBase < hw) {
                assertThat(total + batchAt(expectedBase).sizeInBytes())
                        .as("stopped only because the next batch would not fit").isGreaterThan(maxBytes);
            }
        }

        /** Reads the whole log from its start, in steps, and compares it with the oracle. */
        void checkAll(PartitionLog log) {
            assertThat(log.highWatermark()).isEqualTo(endOffset());
            assertThat(log.logEndOffset()).isEqualTo(endOffset());
            List<Rec> got = new ArrayList<>();
            long offset = log.logStartOffset();
            while (offset < log.highWatermark()) {
                List<RecordBatch> batches = log.read(offset, 4096).batches();
                assertThat(batches).isNotEmpty();
                for (RecordBatch b : batches) {
                    assertThat(b.isValid()).isTrue();
                    long from = offset;
                    decode(b).stream().filter(r -> r.offset() >= from).forEach(got::add);
                }
                offset = batches.get(batches.size() - 1).nextOffset();
            }
            List<Rec> expected = records().stream().filter(r -> r.offset() >= log.logStartOffset()).toList();
            assertThat(got).isEqualTo(expected);
            assertThat(log.read(log.highWatermark(), 4096).batches()).isEmpty();
        }
    }
}
