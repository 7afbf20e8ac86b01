package io.runnel.group;

import static io.runnel.PropertyChecks.lists;
import static io.runnel.PropertyChecks.qt;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.group.StickyAssignor.Candidate;
import io.runnel.topic.TopicPartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

/**
 * Properties of the sticky assignor. Homogeneous groups are driven through random histories of
 * joins and leaves, each generation assigned from the previous one as the coordinator does, so
 * stickiness is checked on the assignments that actually occur.
 */
class StickyAssignorTest {
    private static final int MAX_MEMBERS = 9;

    /** A group as the coordinator hands it to the assignor. */
    record Scenario(Map<String, Integer> partitions, List<Candidate> candidates) {
    }

    @Test
    void everyPartitionOfASubscribedTopicGoesToExactlyOneSubscribedMember() {
        qt(300).forAll(heterogeneous()).checkAssert(StickyAssignorTest::everyPartitionOfASubscribedTopicGoesToExactlyOneSubscribedMember);
    }

    private static void everyPartitionOfASubscribedTopicGoesToExactlyOneSubscribedMember(Scenario s) {
        Map<String, List<TopicPartition>> result = StickyAssignor.assign(s.candidates(), s.partitions());

        Map<TopicPartition, String> owner = new HashMap<>();
        result.forEach((member, tps) -> tps.forEach(tp -> {
            assertThat(owner.put(tp, member)).as("second owner of %s", tp).isNull();
        }));
        Set<TopicPartition> expected = new HashSet<>();
        s.partitions().forEach((topic, count) -> {
            if (s.candidates().stream().anyMatch(c -> c.topics().contains(topic))) {
                for (int p = 0; p < count; p++) {
                    expected.add(new TopicPartition(topic, p));
                }
            }
        });
        assertThat(owner.keySet()).isEqualTo(expected);
        Map<String, Set<String>> subscriptions = new HashMap<>();
        s.candidates().forEach(c -> subscriptions.put(c.memberId(), c.topics()));
        owner.forEach((tp, member) -> assertThat(subscriptions.get(member)).as("%s owns %s", member, tp).contains(tp.topic()));
        assertThat(result.keySet()).containsExactlyElementsOf(s.candidates().stream().map(Candidate::memberId).toList());
    }

    @Test
    void homogeneousSubscriptionsAreBalancedWithinOneWhateverWasHeldBefore() {
        qt(300).forAll(homogeneous()).checkAssert(StickyAssignorTest::homogeneousSubscriptionsAreBalancedWithinOneWhateverWasHeldBefore);
    }

    private static void homogeneousSubscriptionsAreBalancedWithinOneWhateverWasHeldBefore(Scenario s) {
        Map<String, List<TopicPartition>> result = StickyAssignor.assign(s.candidates(), s.partitions());

        IntSummary sizes = IntSummary.of(result.values().stream().mapToInt(List::size).toArray());
        assertThat(sizes.max - sizes.min).as("assignment sizes %s", result).isLessThanOrEqualTo(1);
        assertThat(sizes.sum).isEqualTo(s.partitions().values().stream().mapToInt(Integer::intValue).sum());
    }

    /** Each step is a join (below 50, while there is room) or the leave of member {@code step % size}. */
    @Test
    void overJoinsAndLeavesSurvivorsKeepEveryPartitionTheyCanUnderTheFairShare() {
        qt(300).forAll(topicSizes(), lists(SourceDSL.integers().between(0, 99), 1, 25))
                .checkAssert(StickyAssignorTest::overJoinsAndLeavesSurvivorsKeepEveryPartitionTheyCanUnderTheFairShare);
    }

    private static void overJoinsAndLeavesSurvivorsKeepEveryPartitionTheyCanUnderTheFairShare(
            Map<String, Integer> partitions, List<Integer> steps) {
        int total = partitions.values().stream().mapToInt(Integer::intValue).sum();
        Set<String> topics = partitions.keySet();
        List<String> members = new ArrayList<>();
        Map<String, List<TopicPartition>> current = Map.of();
        int nextId = 0;
        for (int step : steps) {
            String joined = null;
            if (members.isEmpty() || (step < 50 && members.size() < MAX_MEMBERS)) {
                joined = "m" + nextId++;
                members.add(joined);
            } else {
                members.remove(step % members.size());
            }
            if (members.isEmpty()) {
                current = Map.of(); // the group is empty; whoever joins next starts afresh
                continue;
            }
            List<Candidate> candidates = new ArrayList<>();
            for (String m : members) {
                candidates.add(new Candidate(m, topics, current.getOrDefault(m, List.of())));
            }
            Map<String, List<TopicPartition>> next = StickyAssignor.assign(candidates, partitions);

            assertThat(next.values().stream().mapToInt(List::size).sum()).isEqualTo(total);
            assertSticky(current, next, joined, total);
            current = next;
        }
    }

    /**
     * With {@code n} members each holds {@code floor} or {@code floor + 1} partitions, and only
     * {@code total % n} of them the larger number. The most partitions survivors can keep is then
     * {@code sum(min(held, floor))} plus one for each of up to {@code total % n} survivors that held more
     * than {@code floor}; the assignor must keep exactly that many, each survivor at least
     * {@code min(held, floor)}, and a join may move partitions only to the member who joined.
     */
    private static void assertSticky(Map<String, List<TopicPartition>> before, Map<String, List<TopicPartition>> after,
                                     String joined, int total) {
        int n = after.size();
        int floor = total / n;
        int remainder = total % n;
        int keptMost = 0;
        int couldHoldOneMore = 0;
        int kept = 0;
        for (String member : after.keySet()) {
            List<TopicPartition> held = before.getOrDefault(member, List.of());
            Set<TopicPartition> keeps = new HashSet<>(after.get(member));
            keeps.retainAll(held);
            assertThat(keeps.size()).as("%s held %s, now %s", member, held, after.get(member))
                    .isGreaterThanOrEqualTo(Math.min(held.size(), floor));
            keptMost += Math.min(held.size(), floor);
            couldHoldOneMore += held.size() > floor ? 1 : 0;
            kept += keeps.size();
        }
        keptMost += Math.min(remainder, couldHoldOneMore);
        assertThat(kept).as("partitions kept by survivors, from %s to %s", before, after).isEqualTo(keptMost);
        if (joined != null) {
            Map<TopicPartition, String> oldOwner = owners(before);
            owners(after).forEach((tp, owner) -> {
                if (!owner.equals(oldOwner.get(tp))) {
                    assertThat(owner).as("%s moved from %s", tp, oldOwner.get(tp)).isEqualTo(joined);
                }
            });
        }
    }

    @Test
    void theSameGroupGetsTheSameAssignmentWhateverTheOrderOfTheTopicMap() {
        qt(200).forAll(heterogeneous()).checkAssert(StickyAssignorTest::theSameGroupGetsTheSameAssignmentWhateverTheOrderOfTheTopicMap);
    }

    private static void theSameGroupGetsTheSameAssignmentWhateverTheOrderOfTheTopicMap(Scenario s) {
        Map<String, List<TopicPartition>> first = StickyAssignor.assign(s.candidates(), s.partitions());
        Map<String, Integer> reversed = new LinkedHashMap<>();
        new TreeMap<>(s.partitions()).descendingMap().forEach(reversed::put);

        assertThat(StickyAssignor.assign(s.candidates(), s.partitions())).isEqualTo(first);
        assertThat(StickyAssignor.assign(List.copyOf(s.candidates()), reversed)).isEqualTo(first);
        assertThat(StickyAssignor.assign(s.candidates(), new HashMap<>(s.partitions()))).isEqualTo(first);
    }

    /** One to three topics, {@code t0}, {@code t1}, {@code t2}, of 1 to 12 partitions. */
    private static Gen<Map<String, Integer>> topicSizes() {
        return lists(SourceDSL.integers().between(1, 12), 1, 3).map(counts -> {
            Map<String, Integer> m = new TreeMap<>();
            for (int i = 0; i < counts.size(); i++) {
                m.put("t" + i, counts.get(i));
            }
            return m;
        });
    }

    /** Every member subscribes to every topic; what they held before is arbitrary, even overlapping or stale. */
    private static Gen<Scenario> homogeneous() {
        return topicSizes().flatMap(partitions -> SourceDSL.integers().between(1, MAX_MEMBERS).flatMap(n ->
                lists(previous(partitions), n, n).map(prevs -> {
                    List<Candidate> candidates = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        candidates.add(new Candidate("m" + i, partitions.keySet(), prevs.get(i)));
                    }
                    return new Scenario(partitions, candidates);
                })));
    }

    /** Members subscribe to random subsets (possibly leaving a topic unsubscribed); arbitrary previous holdings. */
    private static Gen<Scenario> heterogeneous() {
        return topicSizes().flatMap(partitions -> {
            List<String> names = List.copyOf(partitions.keySet());
            Gen<Set<String>> subscription = lists(Generate.pick(names), 1, names.size()).map(topics -> new TreeSet<>(topics));
            Gen<Candidate> candidate = subscription.zip(previous(partitions), (topics, prev) -> new Candidate("?", topics, prev));
            return lists(candidate, 1, MAX_MEMBERS).map(cs -> {
                List<Candidate> named = new ArrayList<>();
                for (int i = 0; i < cs.size(); i++) {
                    named.add(new Candidate("m" + i, cs.get(i).topics(), cs.get(i).previous()));
                }
                return new Scenario(partitions, named);
            });
        });
    }

    /** Sorted previous holdings, including partitions that no longer exist (as after a topic was recreated smaller). */
    private static Gen<List<TopicPartition>> previous(Map<String, Integer> partitions) {
        List<String> names = List.copyOf(partitions.keySet());
        Gen<TopicPartition> tp = Generate.pick(names).zip(SourceDSL.integers().between(0, 13), TopicPartition::new);
        return lists(tp, 0, 8).map(list -> List.copyOf(new TreeSet<>(list)));
    }

    private static Map<TopicPartition, String> owners(Map<String, List<TopicPartition>> assignment) {
        Map<TopicPartition, String> owners = new HashMap<>();
        assignment.forEach((m, tps) -> tps.forEach(tp -> owners.put(tp, m)));
        return owners;
    }

    private record IntSummary(int min, int max, int sum) {
        static IntSummary of(int[] values) {
            java.util.IntSummaryStatistics s = java.util.Arrays.stream(values).summaryStatistics();
            return new IntSummary(s.getMin(), s.getMax(), (int) s.getSum());
        }
    }
}
