package io.runnel.log;

import static io.runnel.PropertyChecks.lists;
import static io.runnel.PropertyChecks.qt;
import static io.runnel.PropertyChecks.sets;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

class SparseIndexPropertiesTest {

    @Test
    void floorAndLowerAgreeWithATreeMap() {
        qt(100).forAll(keys(), queries()).checkAssert(SparseIndexPropertiesTest::floorAndLowerAgreeWithATreeMap);
    }

    private static void floorAndLowerAgreeWithATreeMap(Set<Long> keys, List<Long> queries) {
        TreeMap<Long, Long> oracle = new TreeMap<>();
        SparseIndex index = new SparseIndex();
        long value = 0;
        for (long key : keys.stream().sorted().toList()) {
            value += 1 + (key & 0xff);
            oracle.put(key, value);
            assertThat(index.append(key, value)).isTrue();
        }
        List<Long> probes = new ArrayList<>(queries);
        for (long key : keys) {
            probes.add(key);
            probes.add(key - 1);
            probes.add(key + 1);
        }
        probes.add(Long.MIN_VALUE);
        probes.add(Long.MAX_VALUE);

        for (long q : probes) {
            assertThat(entry(index, index.floor(q))).as("floor(%d)", q).isEqualTo(oracle.floorEntry(q));
            assertThat(entry(index, index.lower(q))).as("lower(%d)", q).isEqualTo(oracle.lowerEntry(q));
        }
        assertThat(index.size()).isEqualTo(oracle.size());
    }

    @Test
    void saveAndLoadKeepEveryEntry() {
        qt(50).forAll(keys()).checkAssert(SparseIndexPropertiesTest::saveAndLoadKeepEveryEntry);
    }

    private static void saveAndLoadKeepEveryEntry(Set<Long> keys) {
        SparseIndex index = new SparseIndex();
        long value = 0;
        for (long key : keys.stream().sorted().toList()) {
            index.append(key, value);
            value += 16;
        }
        long valueLimit = value;
        LogTestSupport.withTempDir(dir -> {
            SparseIndex loaded = saveAndLoad(index, dir.resolve("i.index"), valueLimit);

            assertThat(loaded.size()).isEqualTo(index.size());
            for (int i = 0; i < index.size(); i++) {
                assertThat(loaded.keyAt(i)).isEqualTo(index.keyAt(i));
                assertThat(loaded.valueAt(i)).isEqualTo(index.valueAt(i));
            }
        });
    }

    private static SparseIndex saveAndLoad(SparseIndex index, Path file, long valueLimit) {
        try {
            index.save(file);
            return SparseIndex.load(file, valueLimit).orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map.Entry<Long, Long> entry(SparseIndex index, OptionalInt at) {
        return at.isEmpty() ? null : Map.entry(index.keyAt(at.getAsInt()), index.valueAt(at.getAsInt()));
    }

    /** Any longs, or (half the time) a narrow range so that neighbours and collisions occur. */
    private static Gen<Set<Long>> keys() {
        return sets(Generate.oneOf(SourceDSL.longs().all(), SourceDSL.longs().between(-50, 50)), 60);
    }

    private static Gen<List<Long>> queries() {
        return lists(Generate.oneOf(SourceDSL.longs().all(), SourceDSL.longs().between(-60, 60)), 0, 30);
    }
}
