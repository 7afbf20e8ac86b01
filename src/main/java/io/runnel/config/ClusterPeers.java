package io.runnel.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The configured instances of a cluster, from {@code runnel.cluster.peers}: the members a new cluster
 * is bootstrapped with, and afterwards only whom to contact (an instance joins an existing cluster
 * through any one of them; the membership itself lives in the metadata quorum). A list of
 * {@link Peer}s, bound from YAML ({@code {id, host, http-port, raft-port}} per entry) or from the
 * string form {@code id@host:httpPort:raftPort,…} ({@link Peer#parse} per entry, whitespace around
 * entries ignored). An IPv6 host is written in brackets in the string form
 * ({@code runnel-0@[::1]:8080:9080}).
 *
 * <p>Rules, each failing with an {@link IllegalArgumentException} that names the entry: ids follow
 * the topic naming rule (1–249 of {@code [a-zA-Z0-9._-]}, not {@code .} or {@code ..}) and are
 * unique; ports are 1–65535, and an entry's two ports differ; no two peers share a host and port;
 * this instance's id is listed. Per-entry rules are checked when a {@link Peer} is made, the
 * others by {@link #of}; the configuration checks the whole list at boot, so a bad list stops it
 * with Spring Boot's binding report. No peers means a single node: {@link #of} returns empty and
 * no quorum is formed.
 *
 * <p>{@link #all()} is sorted by id, so instances bootstrapping together compute the same Raft group id
 * whatever order the setting was written in (computed once, at the bootstrap, then kept on disk).
 *
 * @param all  every peer, sorted by id
 * @param self this instance's entry
 */
public record ClusterPeers(List<Peer> all, Peer self) {
    /** Same rule as {@code topic.Names}, restated here so {@code cluster} does not depend on {@code topic}. */
    private static final Pattern LEGAL_ID = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    /**
     * One configured instance; making one checks the per-entry rules.
     *
     * @param id       its {@code runnel.node.id}
     * @param host     host name or address other instances reach it at (IPv6 without brackets)
     * @param httpPort its public HTTP port, also used for instance-to-instance calls
     * @param raftPort its Ratis (gRPC) port
     */
    public record Peer(String id, String host, int httpPort, int raftPort) {
        public Peer {
            if (id == null || !LEGAL_ID.matcher(id).matches() || id.equals(".") || id.equals("..")) {
                throw invalid(describe(id, host, httpPort, raftPort),
                        "peer ids are 1-249 characters of [a-zA-Z0-9._-], and not '.' or '..'");
            }
            if (host == null || host.isEmpty() || host.contains("[") || host.contains("]") || host.contains("@")
                    || host.chars().anyMatch(Character::isWhitespace)) {
                throw invalid(describe(id, host, httpPort, raftPort), "bad host '" + host + "'");
            }
            checkPort(describe(id, host, httpPort, raftPort), "httpPort", httpPort);
            checkPort(describe(id, host, httpPort, raftPort), "raftPort", raftPort);
            if (httpPort == raftPort) {
                throw invalid(describe(id, host, httpPort, raftPort), "httpPort and raftPort must differ");
            }
        }

        /**
         * Parses one entry of the string form, {@code id@host:httpPort:raftPort}.
         *
         * @throws IllegalArgumentException naming the entry, if it breaks a per-entry rule
         */
        public static Peer parse(String entry) {
            if (entry.isEmpty()) {
                throw invalid(entry, "empty entry (a stray comma?)");
            }
            int at = entry.indexOf('@');
            if (at < 0) {
                throw invalid(entry, "expected id@host:httpPort:raftPort");
            }
            String id = entry.substring(0, at);
            if (!LEGAL_ID.matcher(id).matches() || id.equals(".") || id.equals("..")) {
                throw invalid(entry, "peer ids are 1-249 characters of [a-zA-Z0-9._-], and not '.' or '..'");
            }
            String address = entry.substring(at + 1);
            int raftColon = address.lastIndexOf(':');
            int httpColon = raftColon <= 0 ? -1 : address.lastIndexOf(':', raftColon - 1);
            if (httpColon <= 0) {
                throw invalid(entry, "expected id@host:httpPort:raftPort");
            }
            String host = host(entry, address.substring(0, httpColon));
            int httpPort = port(entry, "httpPort", address.substring(httpColon + 1, raftColon));
            int raftPort = port(entry, "raftPort", address.substring(raftColon + 1));
            return new Peer(id, host, httpPort, raftPort);
        }

        /**
         * {@code http://host:httpPort}, the URL other instances call with TLS off; callers pick the
         * scheme through {@code cluster.InstanceTls#urlOf}, which is {@code https} with TLS on.
         */
        public String httpUrl() {
            return url("http");
        }

        /** {@code <scheme>://host:httpPort}. */
        public String url(String scheme) {
            return scheme + "://" + hostForUrl() + ":" + httpPort;
        }

        /** {@code host:raftPort}, the address Ratis peers and clients connect to. */
        public String raftAddress() {
            return hostForUrl() + ":" + raftPort;
        }

        /** The entry in the string form. */
        @Override
        public String toString() {
            return describe(id, host, httpPort, raftPort);
        }

        private String hostForUrl() {
            return host.contains(":") ? "[" + host + "]" : host;
        }

        private static String describe(String id, String host, int httpPort, int raftPort) {
            String h = host != null && host.contains(":") ? "[" + host + "]" : host;
            return id + "@" + h + ":" + httpPort + ":" + raftPort;
        }

        private static String host(String entry, String host) {
            if (host.startsWith("[") && host.endsWith("]") && host.length() > 2) {
                return host.substring(1, host.length() - 1);
            }
            if (host.isEmpty() || host.contains(":") || host.contains("[") || host.contains("]") || host.contains("@")
                    || host.chars().anyMatch(Character::isWhitespace)) {
                throw invalid(entry, "bad host '" + host + "' (write an IPv6 address in brackets)");
            }
            return host;
        }

        private static int port(String entry, String name, String text) {
            try {
                int port = Integer.parseInt(text);
                checkPort(entry, name, port);
                return port;
            } catch (NumberFormatException e) {
                throw invalid(entry, name + " must be a number from 1 to 65535, got '" + text + "'");
            }
        }

        private static void checkPort(String entry, String name, int port) {
            if (port < 1 || port > 65535) {
                throw invalid(entry, name + " must be a number from 1 to 65535, got '" + port + "'");
            }
        }
    }

    public ClusterPeers {
        all = all.stream().sorted(Comparator.comparing(Peer::id)).toList();
        if (!all.contains(self)) {
            throw new IllegalArgumentException("self " + self + " is not one of the peers " + all);
        }
    }

    /**
     * The cluster formed by {@code peers}, seen from the instance {@code selfId}.
     *
     * @return empty when {@code peers} is empty (a single node)
     * @throws IllegalArgumentException naming the entry, if the list breaks a rule above
     */
    public static Optional<ClusterPeers> of(List<Peer> peers, String selfId) {
        if (peers.isEmpty()) {
            return Optional.empty();
        }
        Set<String> ids = new HashSet<>();
        Set<String> endpoints = new HashSet<>();
        for (Peer peer : peers) {
            if (!ids.add(peer.id())) {
                throw invalid(peer.toString(), "peer id '" + peer.id() + "' is listed twice");
            }
            for (int port : new int[] {peer.httpPort(), peer.raftPort()}) {
                if (!endpoints.add(peer.host() + ":" + port)) {
                    throw invalid(peer.toString(), "port " + port + " of host " + peer.host() + " is already taken by another peer");
                }
            }
        }
        Peer self = peers.stream().filter(p -> p.id().equals(selfId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("runnel.cluster.peers must list this instance: runnel.node.id '"
                        + selfId + "' is not among " + peers.stream().map(Peer::id).sorted().toList()));
        return Optional.of(new ClusterPeers(peers, self));
    }

    /**
     * Parses the string form for the instance {@code selfId}.
     *
     * @return empty for a blank {@code spec} (a single node), else the peers
     * @throws IllegalArgumentException if any entry or the whole list breaks a rule above
     */
    public static Optional<ClusterPeers> parse(String spec, String selfId) {
        if (spec == null || spec.isBlank()) {
            return Optional.empty();
        }
        List<Peer> peers = new ArrayList<>();
        for (String raw : spec.split(",", -1)) {
            peers.add(Peer.parse(raw.strip()));
        }
        return of(peers, selfId);
    }

    private static IllegalArgumentException invalid(String entry, String why) {
        return new IllegalArgumentException("invalid runnel.cluster.peers entry '" + entry + "': " + why);
    }

    /** The peer with this id, if listed. */
    public Optional<Peer> find(String id) {
        return all.stream().filter(p -> p.id().equals(id)).findFirst();
    }
}
