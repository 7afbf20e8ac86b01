package io.runnel.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseIndexTest {
    @TempDir
    Path dir;

    private static SparseIndex indexOf(long... keyValuePairs) {
        SparseIndex index = new SparseIndex();
        for (int i = 0; i < keyValuePairs.length; i += 2) {
            assertThat(index.append(keyValuePairs[i], keyValuePairs[i + 1])).isTrue();
        }
        return index;
    }

    /** A well-framed index file (entries, CRC32C, magic) holding these entries, sane or not. */
    private static byte[] entries(long... keyValuePairs) {
        int length = keyValuePairs.length * 8;
        ByteBuffer buf = ByteBuffer.allocate(length + SparseIndex.TRAILER_SIZE);
        for (long v : keyValuePairs) {
            buf.putLong(v);
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(buf.array(), 0, length);
        buf.putInt((int) crc.getValue()).putInt(SparseIndex.MAGIC);
        return buf.array();
    }

    @Test
    void anEmptyIndexFindsNothing() {
        SparseIndex index = new SparseIndex();

        assertThat(index.size()).isZero();
        assertThat(index.floor(Long.MAX_VALUE)).isEmpty();
        assertThat(index.lower(Long.MAX_VALUE)).isEmpty();
        assertThat(index.lastKey()).isEqualTo(Long.MIN_VALUE);
        assertThat(index.lastValue()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void appendRefusesKeysThatDoNotIncrease() {
        SparseIndex index = indexOf(10, 0, 20, 100);

        assertThat(index.append(20, 200)).isFalse();
        assertThat(index.append(15, 200)).isFalse();
        assertThat(index.size()).isEqualTo(2);
        assertThat(index.lastKey()).isEqualTo(20);
        assertThat(index.lastValue()).isEqualTo(100);
    }

    @Test
    void floorAndLowerFindTheEntryAtOrStrictlyBelowAKey() {
        SparseIndex index = indexOf(10, 0, 20, 100, 30, 200);

        assertThat(index.floor(9)).isEmpty();
        assertThat(index.floor(10)).isEqualTo(OptionalInt.of(0));
        assertThat(index.floor(29)).isEqualTo(OptionalInt.of(1));
        assertThat(index.floor(1_000)).isEqualTo(OptionalInt.of(2));
        assertThat(index.lower(10)).isEmpty();
        assertThat(index.lower(11)).isEqualTo(OptionalInt.of(0));
        assertThat(index.lower(30)).isEqualTo(OptionalInt.of(1));
        assertThat(index.valueAt(1)).isEqualTo(100);
        assertThat(index.keyAt(2)).isEqualTo(30);
    }

    @Test
    void lowerOfTheSmallestLongIsEmptyEvenWhenItIsAKey() {
        SparseIndex index = indexOf(Long.MIN_VALUE, 5, 0, 10);

        assertThat(index.floor(Long.MIN_VALUE)).isEqualTo(OptionalInt.of(0));
        assertThat(index.lower(Long.MIN_VALUE)).as("nothing is strictly below Long.MIN_VALUE").isEmpty();
    }

    @Test
    void growsPastItsInitialCapacity() {
        SparseIndex index = new SparseIndex();
        for (int i = 0; i < 1_000; i++) {
            index.append(i * 10L, i * 100L);
        }

        assertThat(index.size()).isEqualTo(1_000);
        assertThat(index.floor(5_555)).isEqualTo(OptionalInt.of(555));
        assertThat(index.valueAt(555)).isEqualTo(55_500);
    }

    @Test
    void saveAndLoadRoundTrip() throws IOException {
        SparseIndex index = new SparseIndex();
        for (int i = 0; i < 100; i++) {
            index.append(i * 3L - 50, i * 7L);
        }
        Path file = dir.resolve("x.index");

        index.save(file);
        Optional<SparseIndex> loaded = SparseIndex.load(file, 700);

        assertThat(Files.size(file)).isEqualTo(100L * SparseIndex.ENTRY_SIZE + SparseIndex.TRAILER_SIZE);
        assertThat(loaded).isPresent();
        assertThat(loaded.get().size()).isEqualTo(100);
        for (int i = 0; i < 100; i++) {
            assertThat(loaded.get().keyAt(i)).isEqualTo(i * 3L - 50);
            assertThat(loaded.get().valueAt(i)).isEqualTo(i * 7L);
        }
        assertThat(LogTestSupport.files(dir, ".tmp")).isEmpty();
    }

    @Test
    void anEmptyIndexSavesAFileOfJustTheTrailerThatLoads() throws IOException {
        Path file = dir.resolve("empty.index");

        new SparseIndex().save(file);

        assertThat(Files.size(file)).isEqualTo(SparseIndex.TRAILER_SIZE);
        assertThat(SparseIndex.load(file, 0)).hasValueSatisfying(i -> assertThat(i.size()).isZero());
    }

    @Test
    void loadOfAMissingFileIsEmpty() throws IOException {
        assertThat(SparseIndex.load(dir.resolve("missing.index"), 100)).isEmpty();
    }

    @Test
    void loadRejectsAFileWhoseLengthIsNotAMultipleOfTheEntrySize() throws IOException {
        Path file = dir.resolve("torn.index");
        byte[] good = entries(1, 10, 2, 20);
        for (int cut = 1; cut < SparseIndex.ENTRY_SIZE; cut++) {
            Files.write(file, Arrays.copyOf(good, good.length - cut));
            assertThat(SparseIndex.load(file, 100)).as("cut %d bytes", cut).isEmpty();
        }
    }

    @Test
    void loadRejectsAFileWhoseChecksumDoesNotMatch() throws IOException {
        Path file = dir.resolve("flipped.index");
        byte[] good = entries(1, 10, 2, 20);
        for (int at = 0; at < good.length; at++) {
            byte[] bad = good.clone();
            bad[at] ^= 0x10;
            Files.write(file, bad);
            assertThat(SparseIndex.load(file, 100)).as("flipped byte %d", at).isEmpty();
        }
    }

    @Test
    void loadRejectsKeysThatDoNotIncrease() throws IOException {
        Path file = dir.resolve("keys.index");

        Files.write(file, entries(1, 10, 1, 20));
        assertThat(SparseIndex.load(file, 100)).isEmpty();

        Files.write(file, entries(5, 10, 3, 20));
        assertThat(SparseIndex.load(file, 100)).isEmpty();
    }

    @Test
    void loadRejectsValuesThatDecreaseOrPassTheLimit() throws IOException {
        Path file = dir.resolve("values.index");

        Files.write(file, entries(1, 20, 2, 10));
        assertThat(SparseIndex.load(file, 100)).isEmpty();

        Files.write(file, entries(1, 20, 2, 101));
        assertThat(SparseIndex.load(file, 100)).isEmpty();

        Files.write(file, entries(1, 20, 2, 100));
        assertThat(SparseIndex.load(file, 100)).isPresent();
    }
}
