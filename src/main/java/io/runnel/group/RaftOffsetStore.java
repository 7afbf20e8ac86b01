package io.runnel.group;

import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.MetadataCommand;
import io.runnel.topic.TopicPartition;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Committed offsets in a cluster: part of the replicated metadata. A commit is a
 * {@link MetadataCommand.CommitOffsets} and returns once a majority of instances has logged it
 * and this one has applied it, so it survives the loss of any minority of instances, the
 * coordinator's included. Reads come from this instance's applied metadata.
 */
final class RaftOffsetStore implements OffsetStore {
    private final ClusterNode cluster;

    RaftOffsetStore(ClusterNode cluster) {
        this.cluster = cluster;
    }

    @Override
    public Map<TopicPartition, Committed> committed(String group) {
        Map<TopicPartition, Committed> result = new HashMap<>();
        cluster.state().committed(group).forEach((topic, byPartition) -> byPartition.forEach((partition, c) ->
                result.put(new TopicPartition(topic, partition), new Committed(c.offset(), c.metadata()))));
        return result;
    }

    @Override
    public void commit(String group, Map<TopicPartition, Committed> offsets) {
        List<MetadataCommand.OffsetCommit> commits = offsets.entrySet().stream()
                .map(e -> new MetadataCommand.OffsetCommit(e.getKey().topic(), e.getKey().partition(), e.getValue().offset(),
                        e.getValue().metadata()))
                .toList();
        cluster.submit(new MetadataCommand.CommitOffsets(group, commits));
    }

    @Override
    public void deleteGroup(String group) {
        cluster.submit(new MetadataCommand.DeleteGroup(group));
    }

    @Override
    public Set<String> groups() {
        return cluster.state().offsets().keySet();
    }
}
