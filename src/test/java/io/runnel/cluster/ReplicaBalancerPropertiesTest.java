package io.runnel.cluster;

import static io.runnel.PropertyChecks.qt;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.ReplicaBalancer.Move;
import io.runnel.cluster.ReplicaBalancer.Plan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * Properties of the drain and rebalance planner over random clusters: instances online, offline,
 * draining or shutting down; topics of replication factors 1 to 4 placed evenly or crowded onto the
 * first instances (as when instances were added after the topics).
 */
class ReplicaBalancerPropertiesTest {

    /** A cluster drawn from a seed, so that failures replay and shrink (to fewer instances, a smaller seed). */
    record Scenario(int instanceCount, long seed) {
        ClusterState state() {
            Random random = new Random(seed);
            Map<String, InstanceMetadata> instances = new TreeMap<>();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < instanceCount; i++) {
                String id = "i" + i;
                ids.add(id);
                int status = random.nextInt(12);
                instances.put(id, new InstanceMetadata(id, "http://" + id, 1, status != 9, 1, status == 10, status == 11));
            }
            Map<String, TopicMetadata> topics = new TreeMap<>();
            int topicCount = 1 + random.nextInt(4);
            for (int t = 0; t < topicCount; t++) {
                int rf = 1 + random.nextInt(Math.min(4, instanceCount));
                int crowd = random.nextBoolean() ? instanceCount : rf + random.nextInt(instanceCount - rf + 1);
                List<PartitionMetadata> partitions = new ArrayList<>();
                int count = 1 + random.nextInt(10);
                for (int p = 0; p < count; p++) {
                    List<String> pool = new ArrayList<>(ids.subList(0, crowd));
                    Collections.shuffle(pool, random);
                    List<String> replicas = pool.subList(0, rf);
                    partitions.add(new PartitionMetadata(p, replicas, replicas.get(0), 0, replicas));
                }
                String name = "t" + t;
                topics.put(name, new TopicMetadata(name, rf, Map.of(), 1, partitions));
            }
            return new ClusterState(0, topics, instances, Map.of(), SecurityState.EMPTY);
        }
    }

    private static Gen<Scenario> scenarios() {
        return SourceDSL.integers().between(1, 7).zip(SourceDSL.longs().all(), Scenario::new);
    }

    /** The state once every move of the plan has completed: new replicas caught up, the first one leading. */
    static ClusterState completed(ClusterState state, Plan plan) {
        Map<String, TopicMetadata> topics = new TreeMap<>(state.topics());
        for (Move m : plan.moves()) {
            TopicMetadata topic = topics.get(m.topic());
            PartitionMetadata old = topic.partitions().get(m.partition());
            topics.put(m.topic(), topic.withPartition(new PartitionMetadata(m.partition(), m.to(), m.to().get(0), old.leaderEpoch() + 1,
                    m.to(), old.partitionEpoch() + 1)));
        }
        return new ClusterState(state.appliedIndex(), topics, state.instances(), state.offsets(), state.security());
    }

    static Map<String, Integer> replicaCounts(ClusterState state) {
        Map<String, Integer> counts = new TreeMap<>();
        ReplicaBalancer.eligible(state).forEach(id -> counts.put(id, 0));
        state.topics().values().forEach(t -> t.partitions().forEach(p -> p.replicas().forEach(r -> counts.computeIfPresent(r, (k, n) -> n + 1))));
        return counts;
    }

    static Map<String, Integer> leaderCounts(ClusterState state) {
        Map<String, Integer> counts = new TreeMap<>();
        ReplicaBalancer.eligible(state).forEach(id -> counts.put(id, 0));
        state.topics().values().forEach(t -> t.partitions().forEach(p -> counts.computeIfPresent(p.replicas().get(0), (k, n) -> n + 1)));
        return counts;
    }

    private static PartitionMetadata partition(ClusterState state, Move m) {
        return state.topic(m.topic()).orElseThrow().partitions().get(m.partition());
    }

    @Test
    void aRebalanceKeepsReplicationFactorsPlacesOnlyOnEligibleInstancesAndIsNeverLessEven() {
        qt(400).forAll(scenarios(), SourceDSL.integers().between(1, 30)).checkAssert((s, cap) -> {
            ClusterState state = s.state();
            Plan plan = ReplicaBalancer.rebalance(state, cap);

            assertThat(plan.isRefused()).isFalse();
            assertThat(plan.moves()).hasSizeLessThanOrEqualTo(cap);
            List<String> eligible = ReplicaBalancer.eligible(state);
            for (Move m : plan.moves()) {
                PartitionMetadata p = partition(state, m);
                assertThat(m.from()).isEqualTo(p.replicas());
                assertThat(m.to()).as("%s", m).hasSameSizeAs(m.from()).doesNotHaveDuplicates().isNotEqualTo(m.from());
                m.to().stream().filter(r -> !m.from().contains(r)).forEach(r -> assertThat(eligible).as("%s", m).contains(r));
                m.from().stream().filter(r -> !m.to().contains(r)).forEach(r -> assertThat(eligible).as("%s", m).contains(r));
                assertThat(m.from()).as("a partition on a draining instance is left to the drain")
                        .allMatch(r -> !state.instance(r).orElseThrow().draining());
            }
            ClusterState after = completed(state, plan);
            assertThat(ReplicaBalancer.spread(replicaCounts(after))).as("replica counts %s → %s", replicaCounts(state), replicaCounts(after))
                    .isLessThanOrEqualTo(ReplicaBalancer.spread(replicaCounts(state)));
            assertThat(ReplicaBalancer.spread(leaderCounts(after))).as("leader counts %s → %s", leaderCounts(state), leaderCounts(after))
                    .isLessThanOrEqualTo(ReplicaBalancer.spread(leaderCounts(state)));
        });
    }

    @Test
    void anUncappedRebalanceEvensReplicasWithinOneAndPlanningAgainMovesNothing() {
        qt(400).forAll(scenarios()).checkAssert(s -> {
            ClusterState state = s.state();
            Plan plan = ReplicaBalancer.rebalance(state, Integer.MAX_VALUE);
            ClusterState after = completed(state, plan);

            assertThat(ReplicaBalancer.rebalance(after, Integer.MAX_VALUE).moves()).as("again after %s", plan.moves()).isEmpty();
            boolean anyDraining = state.instances().values().stream().anyMatch(InstanceMetadata::draining);
            if (!anyDraining) {
                assertThat(ReplicaBalancer.spread(replicaCounts(after))).as("replica counts %s → %s", replicaCounts(state),
                        replicaCounts(after)).isLessThanOrEqualTo(1);
            }
        });
    }

    @Test
    void aDrainReplacesOnlyTheDrainedReplicaInPlaceWithAnEligibleInstanceOrSaysWhyNot() {
        qt(400).forAll(scenarios(), SourceDSL.integers().between(0, 6)).checkAssert((s, which) -> {
            ClusterState state = s.state();
            String drained = "i" + (which % s.instanceCount());
            Plan plan = ReplicaBalancer.drain(state, drained);

            List<String> others = ReplicaBalancer.eligible(state).stream().filter(id -> !id.equals(drained)).toList();
            int largest = state.topics().values().stream().mapToInt(TopicMetadata::replicationFactor).max().orElse(0);
            if (others.isEmpty() || others.size() < largest) {
                assertThat(plan.isRefused()).isTrue();
                assertThat(plan.refusal()).contains(drained);
                return;
            }
            assertThat(plan.isRefused()).as(plan.refusal()).isFalse();
            ClusterState after = completed(state, plan);
            after.topics().values().forEach(t -> t.partitions().forEach(p -> assertThat(p.replicas()).doesNotContain(drained)));
            for (Move m : plan.moves()) {
                assertThat(m.to()).hasSameSizeAs(m.from()).doesNotHaveDuplicates();
                int slot = m.from().indexOf(drained);
                for (int i = 0; i < m.to().size(); i++) {
                    if (i == slot) {
                        assertThat(others).contains(m.to().get(i));
                    } else {
                        assertThat(m.to().get(i)).as("%s", m).isEqualTo(m.from().get(i));
                    }
                }
            }
            long holding = state.topics().values().stream().flatMap(t -> t.partitions().stream())
                    .filter(p -> p.replicas().contains(drained)).count();
            assertThat(plan.moves()).hasSize((int) holding);
        });
    }
}
