package io.runnel.cluster;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The controller's plan for the metadata quorum's Raft configuration: the next single step from the
 * current configuration towards the target, or none when it is there. One step is one Ratis
 * {@code setConfiguration}: removing one member, or moving one member between voters and listeners.
 *
 * <p>Target: members listed as removed in the metadata leave first (one at a time). Then the voters
 * are the largest odd number at most {@code min(5, members)}; every other member is a listener. Too
 * few voters: the first online listener (by id) is promoted, but only while every voter is online. Too
 * many: one voter is demoted, an offline one first, else the last by id; never the controller. An
 * offline member is never promoted (it could not catch up, and a voter that cannot vote weakens the
 * majority), and an offline voter is not replaced: a configuration change while a voter is down needs
 * every other member to take part (with 3 voters, one down, a fourth voter makes 3 of 4 the majority),
 * so a second failure meanwhile, or a listener still catching up, would leave no majority at all; a
 * voter that is down is usually restarting (a rolling restart, a failover). To replace a voter that is
 * gone for good, remove it ({@code DELETE /cluster/instances/{id}}): the voters then go back to an odd
 * number with the online members.
 *
 * <p>A pure function; thread-safe.
 */
final class QuorumPlanner {
    static final int MAX_VOTERS = 5;

    private QuorumPlanner() {
    }

    /**
     * @param current    the configuration now
     * @param online     ids of the members the metadata says are online
     * @param removed    ids the metadata lists as removed
     * @param controller this controller's id, never removed or demoted by a plan
     */
    static Optional<QuorumConf> next(QuorumConf current, Set<String> online, Set<String> removed, String controller) {
        for (String member : current.members()) {
            if (removed.contains(member) && !member.equals(controller)) {
                return Optional.of(current.without(member));
            }
        }
        int target = targetVoters(current.members().size());
        int voters = current.voters().size();
        if (voters < target) {
            boolean voterOffline = current.voters().stream().anyMatch(v -> !online.contains(v) && !v.equals(controller));
            return voterOffline ? Optional.empty()
                    : current.listeners().stream().filter(online::contains).findFirst().map(current::promote);
        }
        if (voters > target) {
            return demotable(current, online, controller).map(current::demote);
        }
        return Optional.empty();
    }

    /** The voters wanted among {@code members}: the largest odd number at most {@code min(5, members)}. */
    static int targetVoters(int members) {
        int t = Math.min(MAX_VOTERS, members);
        return t % 2 == 0 ? Math.max(t - 1, 0) : t;
    }

    private static Optional<String> demotable(QuorumConf current, Set<String> online, String controller) {
        List<String> candidates = current.voters().stream().filter(v -> !v.equals(controller)).toList();
        return candidates.stream().filter(v -> !online.contains(v)).findFirst()
                .or(() -> candidates.stream().max(Comparator.naturalOrder()));
    }
}
