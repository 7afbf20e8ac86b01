package io.runnel.group;

import io.runnel.topic.TopicPartition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Assigns every partition of the subscribed topics to exactly one member, stickily:
 * <ol>
 *   <li>each member keeps the partitions it had that still exist and that it still subscribes to,
 *       up to a fair share ({@code ceil(partitions / members)});</li>
 *   <li>every other partition goes to the subscribed member holding the fewest (ties: the earliest
 *       joined);</li>
 *   <li>while one member holds two more than another that could take one of its partitions, one
 *       moves over.</li>
 * </ol>
 * A pure function of its inputs: no clock, no randomness, so it is easy to test.
 */
final class StickyAssignor {
    private StickyAssignor() {
    }

    /** A member as the assignor sees it: its subscription and what it held before. */
    record Candidate(String memberId, Set<String> topics, List<TopicPartition> previous) {
    }

    /**
     * @param candidates members in join order
     * @param partitions partition count of every subscribed topic
     * @return each member's partitions, sorted, members in join order
     */
    static Map<String, List<TopicPartition>> assign(List<Candidate> candidates, Map<String, Integer> partitions) {
        Map<String, TreeSet<TopicPartition>> owned = new LinkedHashMap<>();
        candidates.forEach(c -> owned.put(c.memberId(), new TreeSet<>()));
        TreeSet<TopicPartition> all = new TreeSet<>();
        partitions.forEach((topic, count) -> {
            for (int p = 0; p < count; p++) {
                all.add(new TopicPartition(topic, p));
            }
        });
        if (candidates.isEmpty()) {
            return Map.of();
        }
        int fairShare = (all.size() + candidates.size() - 1) / candidates.size();
        Map<TopicPartition, String> owner = new HashMap<>();
        for (Candidate c : candidates) {
            for (TopicPartition tp : c.previous()) {
                if (all.contains(tp) && c.topics().contains(tp.topic()) && !owner.containsKey(tp)
                        && owned.get(c.memberId()).size() < fairShare) {
                    owned.get(c.memberId()).add(tp);
                    owner.put(tp, c.memberId());
                }
            }
        }
        for (TopicPartition tp : all) {
            if (!owner.containsKey(tp)) {
                leastLoaded(candidates, owned, tp.topic(), null).ifPresent(m -> {
                    owned.get(m).add(tp);
                    owner.put(tp, m);
                });
            }
        }
        balance(candidates, owned);
        Map<String, List<TopicPartition>> result = new LinkedHashMap<>();
        owned.forEach((m, tps) -> result.put(m, List.copyOf(tps)));
        return result;
    }

    private static java.util.Optional<String> leastLoaded(List<Candidate> candidates, Map<String, TreeSet<TopicPartition>> owned,
                                                         String topic, String except) {
        String best = null;
        for (Candidate c : candidates) {
            if (c.topics().contains(topic) && !c.memberId().equals(except)
                    && (best == null || owned.get(c.memberId()).size() < owned.get(best).size())) {
                best = c.memberId();
            }
        }
        return java.util.Optional.ofNullable(best);
    }

    /**
     * Moves one partition at a time from the most loaded member that can give one to the least
     * loaded member that can take it, until no move helps. Taking from the most loaded first
     * matters for stickiness: a member that is merely above the least loaded one must not give up
     * a partition it kept while another member still holds more than its share.
     */
    private static void balance(List<Candidate> candidates, Map<String, TreeSet<TopicPartition>> owned) {
        int guard = owned.values().stream().mapToInt(Set::size).sum() * candidates.size() + 1;
        while (guard-- > 0 && moveOne(candidates, owned)) {
            // each move lowers the sum of squared loads, so this ends
        }
    }

    private static boolean moveOne(List<Candidate> candidates, Map<String, TreeSet<TopicPartition>> owned) {
        List<Candidate> mostLoadedFirst = new ArrayList<>(candidates);
        mostLoadedFirst.sort(Comparator.comparingInt((Candidate c) -> owned.get(c.memberId()).size()).reversed());
        for (Candidate from : mostLoadedFirst) {
            TreeSet<TopicPartition> giving = owned.get(from.memberId());
            for (TopicPartition tp : giving.descendingSet()) {
                String to = leastLoaded(candidates, owned, tp.topic(), from.memberId()).orElse(null);
                if (to != null && giving.size() > owned.get(to).size() + 1) {
                    giving.remove(tp);
                    owned.get(to).add(tp);
                    return true;
                }
            }
        }
        return false;
    }
}
