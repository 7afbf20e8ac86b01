package io.runnel.cluster;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Immutable sorted maps for {@link ClusterState}: sorted so iteration, JSON and snapshots come
 * out the same on every replica; immutable so a state can be shared between threads.
 *
 * <p>Successive states share the maps they did not change. {@link #freeze} copies a map unless
 * it already is one of this class's frozen maps, which lets a record's constructor freeze its
 * arguments without copying all the metadata on every command. Package code must therefore never
 * wrap a map it still mutates with {@link Collections#unmodifiableSortedMap} itself.
 */
final class SortedMaps {
    private static final Class<?> FROZEN = Collections.unmodifiableSortedMap(new TreeMap<>()).getClass();

    private SortedMaps() {
    }

    static boolean isFrozen(Map<?, ?> map) {
        return map.getClass() == FROZEN;
    }

    @SuppressWarnings("unchecked")
    static <K, V> SortedMap<K, V> freeze(Map<K, V> map) {
        if (isFrozen(map)) {
            return (SortedMap<K, V>) map;
        }
        return Collections.unmodifiableSortedMap(new TreeMap<>(map));
    }

    /** A copy of {@code map} with {@code key} set to {@code value}. */
    static <K, V> SortedMap<K, V> with(Map<K, V> map, K key, V value) {
        TreeMap<K, V> next = new TreeMap<>(map);
        next.put(key, value);
        return Collections.unmodifiableSortedMap(next);
    }

    /** A copy of {@code map} without {@code key}. */
    static <K, V> SortedMap<K, V> without(Map<K, V> map, K key) {
        TreeMap<K, V> next = new TreeMap<>(map);
        next.remove(key);
        return Collections.unmodifiableSortedMap(next);
    }
}
