package io.runnel.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class SparseIndexPropertiesTest {

    @Property(tries = 100)
    void floorAndLowerAgreeWithATreeMap(@ForAll("keys") Set<Long> keys, @ForAll("queries") List<Long> queries) {
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

    @Property(tries = 50)
    void saveAndLoadKeepEveryEntry(@ForAll("keys") Set<Long> keys) throws IOException {
        SparseIndex index = new SparseIndex();
        long value = 0;
        for (long key : keys.stream().sorted().toList()) {
            index.append(key, value);
            value += 16;
        }
        Path dir = Files.createTempDirectory("sparse-index");
        try {
            Path file = dir.resolve("i.index");
            index.save(file);
            SparseIndex loaded = SparseIndex.load(file, value).orElseThrow();

            assertThat(loaded.size()).isEqualTo(index.size());
            for (int i = 0; i < index.size(); i++) {
                assertThat(loaded.keyAt(i)).isEqualTo(index.keyAt(i));
                assertThat(loaded.valueAt(i)).isEqualTo(index.valueAt(i));
            }
        } finally {
            LogTestSupport.deleteRecursively(dir);
        }
    }

    private static Map.Entry<Long, Long> entry(SparseIndex index, OptionalInt at) {
        return at.isEmpty() ? null : Map.entry(index.keyAt(at.getAsInt()), index.valueAt(at.getAsInt()));
    }

    @Provide
    Arbitrary<Set<Long>> keys() {
        return Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(-50, 50)).set().ofMaxSize(60);
    }

    @Provide
    Arbitrary<List<Long>> queries() {
        return Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(-60, 60)).list().ofMaxSize(30);
    }
}
