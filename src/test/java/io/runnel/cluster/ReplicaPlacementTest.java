package io.runnel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ReplicaPlacementTest {

    /** A placement problem: instances, partitions and a replication factor no larger than the instances. */
    record Layout(String topic, List<String> instances, int partitions, int replicationFactor) {
    }

    @Provide
    Arbitrary<Layout> layouts() {
        Arbitrary<Integer> n = Arbitraries.integers().between(1, 12);
        return n.flatMap(count -> Combinators.combine(
                Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(20),
                Arbitraries.integers().between(1, 100),
                Arbitraries.integers().between(1, count))
                .as((topic, partitions, rf) -> new Layout(topic,
                        IntStream.range(0, count).mapToObj(i -> "runnel-" + i).sorted().toList(), partitions, rf)));
    }

    @Property(tries = 500)
    void everyPartitionHasDistinctReplicasAndLeadersAndReplicasAreBalanced(@ForAll("layouts") Layout l) {
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

    @Property(tries = 200)
    void growingPlacesNewPartitionsAsCreatingWithMoreWould(@ForAll("layouts") Layout l) {
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
