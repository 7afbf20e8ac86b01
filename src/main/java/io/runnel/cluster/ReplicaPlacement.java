package io.runnel.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a topic's partitions live: for each partition, {@code replicationFactor} distinct
 * instances, the preferred leader first. A pure function of the topic name, the partition number
 * and the sorted live instances, so every replica of the metadata computes the same placement, and
 * growing a topic places the new partitions where creating it with more partitions would have.
 *
 * <p>Like Kafka's rack-unaware assignment, partitions are laid out in rounds of {@code n}
 * (instances), starting at an instance picked by the topic name's hash so that topics do not all
 * start on the same instance, and each round permutes the instances differently (a stride coprime
 * to {@code n}, Kafka's "replica shift") so an instance's followers differ from round to round.
 * Unlike Kafka's, it is balanced for every partition count, not only whole rounds: within a round,
 * partition {@code s}'s replicas are the consecutive slots {@code s·rf … s·rf+rf-1 (mod n)}, so
 * replica counts never differ by more than one; its leader is slot {@code s·rf + ⌊s/(n/g)⌋} with
 * {@code g = gcd(rf, n)}, which is inside the partition's slots and distinct for every {@code s}
 * of the round, so leader counts never differ by more than one either.
 */
final class ReplicaPlacement {
    private ReplicaPlacement() {
    }

    /**
     * Replica lists of partitions {@code from..to-1}, leader first.
     *
     * @param instances         live instance ids, sorted
     * @param replicationFactor from 1 to {@code instances.size()}
     */
    static List<List<String>> assign(String topic, List<String> instances, int from, int to, int replicationFactor) {
        int n = instances.size();
        if (replicationFactor < 1 || replicationFactor > n) {
            throw new IllegalArgumentException("replication factor " + replicationFactor + " for " + n + " instances");
        }
        int start = Math.floorMod(topic.hashCode(), n);
        int[] strides = stridesCoprimeTo(n);
        int leaderGroups = gcd(replicationFactor, n);
        List<List<String>> placement = new ArrayList<>(to - from);
        for (int partition = from; partition < to; partition++) {
            int stride = strides[(partition / n) % strides.length];
            int slot = partition % n;
            int leaderIndex = slot / (n / leaderGroups);
            List<String> replicas = new ArrayList<>(replicationFactor);
            for (int j = 0; j < replicationFactor; j++) {
                int position = (slot * replicationFactor + (leaderIndex + j) % replicationFactor) % n;
                replicas.add(instances.get((int) ((start + (long) position * stride) % n)));
            }
            placement.add(List.copyOf(replicas));
        }
        return placement;
    }

    /** 1 and every other stride below {@code n} that visits all {@code n} positions. */
    private static int[] stridesCoprimeTo(int n) {
        List<Integer> strides = new ArrayList<>();
        strides.add(1);
        for (int s = 2; s < n; s++) {
            if (gcd(s, n) == 1) {
                strides.add(s);
            }
        }
        return strides.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
