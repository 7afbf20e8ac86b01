package io.runnel.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OffsetMapTest {
    private static ByteBuffer key(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void remembersTheLatestOffsetOfEachKeyAsAHashMapWould() {
        OffsetMap map = new OffsetMap(10_000 * OffsetMap.BYTES_PER_ENTRY);
        Map<String, Long> oracle = new HashMap<>();
        Random random = new Random(7);
        for (long offset = 0; offset < 5000; offset++) {
            String k = "\"key-" + random.nextInt(2000) + "\"";
            assertThat(map.put(key(k), offset)).isTrue();
            oracle.put(k, offset);
        }
        oracle.forEach((k, offset) -> assertThat(map.get(key(k))).as(k).isEqualTo(offset));
        assertThat(map.get(key("\"never\""))).isEqualTo(-1);
        assertThat(map.size()).isEqualTo(oracle.size());
    }

    @Test
    void aFullMapRefusesNewKeysButStillUpdatesKnownOnes() {
        OffsetMap map = new OffsetMap(4 * OffsetMap.BYTES_PER_ENTRY);
        int capacity = map.capacity();
        for (int i = 0; i < capacity; i++) {
            assertThat(map.put(key("k" + i), i)).isTrue();
        }
        assertThat(map.put(key("new"), 100)).isFalse();
        assertThat(map.get(key("new"))).isEqualTo(-1);
        assertThat(map.put(key("k0"), 101)).isTrue();
        assertThat(map.get(key("k0"))).isEqualTo(101);
        assertThat(map.size()).isEqualTo(capacity);
    }

    @Test
    void readsTheKeyFromItsBufferPositionWithoutMovingIt() {
        OffsetMap map = new OffsetMap(1 << 10);
        ByteBuffer padded = ByteBuffer.wrap("xx\"a\"".getBytes(StandardCharsets.UTF_8));
        padded.position(2);
        map.put(padded, 9);
        assertThat(padded.position()).isEqualTo(2);
        assertThat(map.get(key("\"a\""))).isEqualTo(9);
    }
}
