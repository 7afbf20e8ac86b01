package io.runnel.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A Raft configuration of the metadata quorum by instance id: the voters and the listeners
 * (non-voting members that receive and apply the log). Immutable; both lists sorted and disjoint.
 */
public record QuorumConf(List<String> voters, List<String> listeners) {
    public static final QuorumConf EMPTY = new QuorumConf(List.of(), List.of());

    public QuorumConf {
        voters = List.copyOf(new TreeSet<>(voters));
        listeners = List.copyOf(new TreeSet<>(listeners));
        if (voters.stream().anyMatch(listeners::contains)) {
            throw new IllegalArgumentException("a member is both a voter and a listener: " + voters + " / " + listeners);
        }
    }

    /** Every member, sorted. */
    public List<String> members() {
        return List.copyOf(new TreeSet<>(all()));
    }

    private List<String> all() {
        List<String> all = new ArrayList<>(voters);
        all.addAll(listeners);
        return all;
    }

    public boolean contains(String id) {
        return voters.contains(id) || listeners.contains(id);
    }

    QuorumConf withListener(String id) {
        List<String> l = new ArrayList<>(listeners);
        l.add(id);
        return new QuorumConf(voters, l);
    }

    QuorumConf promote(String id) {
        List<String> v = new ArrayList<>(voters);
        v.add(id);
        return new QuorumConf(v, listeners.stream().filter(x -> !x.equals(id)).toList());
    }

    QuorumConf demote(String id) {
        List<String> l = new ArrayList<>(listeners);
        l.add(id);
        return new QuorumConf(voters.stream().filter(x -> !x.equals(id)).toList(), l);
    }

    QuorumConf without(String id) {
        return new QuorumConf(voters.stream().filter(x -> !x.equals(id)).toList(), listeners.stream().filter(x -> !x.equals(id)).toList());
    }
}
