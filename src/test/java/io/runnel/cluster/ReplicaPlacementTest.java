package io.runnel.cluster;

import static io.runnel.PropertyChecks.LETTERS;
import static io.runnel.PropertyChecks.charRange;
import static io.runnel.PropertyChecks.charsOf;
import static io.runnel.PropertyChecks.qt;
import static io.runnel.PropertyChecks.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

class ReplicaPlacementTest {

    /** A placement problem: instances, partitions and a replication factor no larger than the instances. */
    record Layout(String topic, List<String> instances, int partitions, int replicationFactor) {
    }

    /** 1 to 12 instances, a topic name of 1 to 20 letters and digits, 1 to 100 partitions, any valid factor. */
    private static Gen<Layout> layouts() {
        Gen<String> topics = strings(charsOf(LETTERS + charRange('0', '9')), 1, 20);
        return SourceDSL.integers().between(1, 12).flatMap(count -> topics.zip(
                SourceDSL.integers().between(1, 100),
                SourceDSL.integers().between(1, count),
                (topic, partitions, rf) -> new Layout(topic,
                        IntStream.range(0, count).mapToObj(i -> "runnel-" + i).sorted().toList(), partitions, rf)));
    }

    @Test
    void everyPartitionHasDistinctReplicasAndLeadersAndReplicasAreBalanced() {
        qt(500).forAll(layouts()).checkAssert(ReplicaPlacementTest::everyPartitionHasDistinctReplicasAndLeadersAndReplicasAreBalanced);
    }

    private static void everyPartitionHasDistinctReplicasAndLeadersAndReplicasAreBalanced(Layout l) {
        List<List<String>> placement = ReplicaPlacement.assign(l.topic(), l.instances(), 0, l.partitions(), l.replicationFactor());

        assertThat(placement).hasSize(l.partitions());
        Map<String, Integer> leaders = new HashMap<>();
        Map<String, Integer> replicas = new HashMap<>();
        l.instances().forEach(i -> {
            leaders.put(i, 0);
            replicas.put(i, 0);
        });
        for (List<String> r : placement) {
            assertThat(r).hasSize(l.replicationFactor());
            assertThat(new HashSet<>(r)).hasSize(l.replicationFactor());
            assertThat(l.instances()).containsAll(r);
            leaders.merge(r.get(0), 1, Integer::sum);
            r.forEach(i -> replicas.merge(i, 1, Integer::sum));
        }
        assertThat(spread(leaders)).as("leaders per instance %s", leaders).isLessThanOrEqualTo(1);
        assertThat(spread(replicas)).as("replicas per instance %s", replicas).isLessThanOrEqualTo(1);
    }

    @Test
    void growingPlacesNewPartitionsAsCreatingWithMoreWould() {
        qt(200).forAll(layouts()).checkAssert(ReplicaPlacementTest::growingPlacesNewPartitionsAsCreatingWithMoreWould);
    }

    private static void growingPlacesNewPartitionsAsCreatingWithMoreWould(Layout l) {
        List<List<String>> whole = ReplicaPlacement.assign(l.topic(), l.instances(), 0, l.partitions() + 7, l.replicationFactor());
        List<List<String>> grown = new ArrayList<>(ReplicaPlacement.assign(l.topic(), l.instances(), 0, l.partitions(), l.replicationFactor()));
        grown.addAll(ReplicaPlacement.assign(l.topic(), l.instances(), l.partitions(), l.partitions() + 7, l.replicationFactor()));

        assertThat(grown).isEqualTo(whole);
    }

    @Test
    void sixPartitionsOfThreeReplicasOnThreeInstancesLeadTwoEachAndHoldSixEach() {
        List<List<String>> placement = ReplicaPlacement.assign("orders", List.of("a", "b", "c"), 0, 6, 3);

        Map<String, Integer> leaders = new HashMap<>();
        placement.forEach(r -> leaders.merge(r.get(0), 1, Integer::sum));
        assertThat(leaders).containsOnly(Map.entry("a", 2), Map.entry("b", 2), Map.entry("c", 2));
        assertThat(placement).allSatisfy(r -> assertThat(r).containsExactlyInAnyOrder("a", "b", "c"));
    }

    @Test
    void followersOfOneInstanceVaryFromRoundToRound() {
        List<List<String>> placement = ReplicaPlacement.assign("t", List.of("a", "b", "c", "d", "e"), 0, 10, 2);

        Map<String, Set<String>> followersOf = new HashMap<>();
        placement.forEach(r -> followersOf.computeIfAbsent(r.get(0), k -> new HashSet<>()).add(r.get(1)));
        assertThat(followersOf.values()).allSatisfy(f -> assertThat(f).hasSize(2));
    }

    @Test
    void differentTopicsStartOnDifferentInstances() {
        List<String> instances = List.of("a", "b", "c", "d", "e", "f", "g");
        long distinctFirstLeaders = IntStream.range(0, 50)
                .mapToObj(i -> ReplicaPlacement.assign("topic-" + i, instances, 0, 1, 1).get(0).get(0))
                .distinct().count();

        assertThat(distinctFirstLeaders).isEqualTo(instances.size());
    }

    private static int spread(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).max().orElse(0)
                - counts.values().stream().mapToInt(Integer::intValue).min().orElse(0);
    }
}
