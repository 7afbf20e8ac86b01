package io.runnel.group;

import io.runnel.topic.TopicPartition;
import java.util.Map;
import java.util.Set;

/**
 * Durable committed offsets of consumer groups. A commit returns once it survives a crash.
 * On a single node {@link LogOffsetStore} keeps them in a log on disk; in a cluster they belong in
 * the replicated metadata, behind this same interface.
 */
public interface OffsetStore {

    /** A committed position: the next offset the group will read, and the client's note. */
    record Committed(long offset, String metadata) {
    }

    Map<TopicPartition, Committed> committed(String group);

    /** Commits all of {@code offsets} atomically. */
    void commit(String group, Map<TopicPartition, Committed> offsets);

    /** Forgets every offset of the group. */
    void deleteGroup(String group);

    /** Groups that have committed offsets. */
    Set<String> groups();
}
