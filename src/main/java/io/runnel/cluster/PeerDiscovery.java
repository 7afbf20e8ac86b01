package io.runnel.cluster;

import io.runnel.config.ClusterPeers;
import io.runnel.config.ClusterPeers.Peer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How an instance without Raft storage finds its cluster: it asks every other instance of its peer
 * list ({@code GET /internal/cluster/membership}, with the cluster secret) and decides
 * ({@link #decide}):
 * <ul>
 * <li>an instance that bootstrapped a group listing this one → {@link Decision.Bootstrap} with that
 *     group and its initial peers (instances of a first install that started a little apart);
 * <li>else any instance with a group → {@link Decision.Join} it through that instance;
 * <li>else, when every listed instance answered and none has a group → {@link Decision.Bootstrap} a new
 *     group from the peer list (its id computed from the peer ids, so instances starting together agree);
 * <li>else (someone did not answer) → no decision yet: {@link #await} asks again with a bounded
 *     back-off (0.5 s doubling to 5 s), logging who is missing.
 * </ul>
 *
 * <p>Thread-safe; one blocking HTTP call at a time.
 */
final class PeerDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(PeerDiscovery.class);
    static final String MEMBERSHIP_PATH = "/internal/cluster/membership";
    static final String MEMBERS_PATH = "/internal/cluster/members";

    /** What to start with. */
    sealed interface Decision {
        /** Start group {@code groupId} with {@code peers} as its initial configuration. */
        record Bootstrap(UUID groupId, List<Peer> peers) implements Decision {
        }

        /** Start with an empty group {@code groupId} and ask {@code via} to add this instance. */
        record Join(UUID groupId, String via) implements Decision {
        }
    }

    private final ClusterPeers peers;
    private final InstanceTls tls;
    private final String secret;
    private final HttpClient http;

    PeerDiscovery(ClusterPeers peers, InstanceTls tls, String secret, Duration connectTimeout) {
        this.peers = peers;
        this.tls = tls;
        this.secret = secret;
        this.http = tls.configure(HttpClient.newBuilder()).version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout).build();
    }

    /** Asks until a decision is possible. */
    Decision await() throws InterruptedException {
        long backoffMs = 500;
        long attempt = 0;
        while (true) {
            List<String> silent = new ArrayList<>();
            Optional<Decision> decision = decide(silent);
            if (decision.isPresent()) {
                LOG.info("Metadata quorum: {}", decision.get());
                return decision.get();
            }
            if (attempt++ % 5 == 0) {
                LOG.info("No cluster found yet and not every listed instance answered (silent: {}); asking again", silent);
            }
            Thread.sleep(backoffMs);
            backoffMs = Math.min(5000, backoffMs * 2);
        }
    }

    /** One round of asking; {@code silent} collects the instances that did not answer. */
    Optional<Decision> decide(List<String> silent) throws InterruptedException {
        String self = peers.self().id();
        Optional<Decision> join = Optional.empty();
        for (Peer peer : peers.all()) {
            if (peer.id().equals(self)) {
                continue;
            }
            Optional<MembershipView> view = ask(peer);
            if (view.isEmpty()) {
                silent.add(peer.id());
                continue;
            }
            MembershipView v = view.get();
            if (v.groupId() == null) {
                continue;
            }
            UUID group = UUID.fromString(v.groupId());
            List<Peer> initial = v.bootstrapPeers().stream().map(Peer::parse).toList();
            if (initial.stream().anyMatch(p -> p.id().equals(self))) {
                return Optional.of(new Decision.Bootstrap(group, initial));
            }
            if (join.isEmpty()) {
                join = Optional.of(new Decision.Join(group, peer.id()));
            }
        }
        if (join.isPresent()) {
            return join;
        }
        if (silent.isEmpty()) {
            return Optional.of(new Decision.Bootstrap(LocalRaftGroup.bootstrapGroupId(peers), peers.all()));
        }
        return Optional.empty();
    }

    private Optional<MembershipView> ask(Peer peer) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(tls.urlOf(peer) + MEMBERSHIP_PATH)).timeout(Duration.ofSeconds(5))
                .header(InternalClient.SECRET_HEADER, secret).header(InternalClient.FORWARDED_BY_HEADER, peers.self().id()).GET().build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                LOG.debug("{} answered {} to the membership question", peer.id(), response.statusCode());
                return Optional.empty();
            }
            return Optional.of(MetadataJson.read(response.body(), MembershipView.class));
        } catch (IOException | RuntimeException e) {
            LOG.debug("{} did not answer the membership question: {}", peer.id(), e.toString());
            return Optional.empty();
        }
    }

    /**
     * Asks any instance of the peer list, {@code via} first, to add this one to the quorum; returns
     * whether one accepted (the controller then adds it as a listener).
     */
    boolean requestJoin(String via) throws InterruptedException {
        byte[] body = MetadataJson.write(new JoinRequest(peers.self().id(), peers.self().raftAddress()));
        List<Peer> order = new ArrayList<>(peers.all().stream().filter(p -> p.id().equals(via)).toList());
        peers.all().stream().filter(p -> !p.id().equals(via) && !p.id().equals(peers.self().id())).forEach(order::add);
        for (Peer peer : order) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(tls.urlOf(peer) + MEMBERS_PATH)).timeout(Duration.ofSeconds(30))
                    .header(InternalClient.SECRET_HEADER, secret).header(InternalClient.FORWARDED_BY_HEADER, peers.self().id())
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 == 2) {
                    return true;
                }
                LOG.info("{} did not add this instance to the quorum yet: {} {}", peer.id(), response.statusCode(), response.body());
            } catch (IOException | RuntimeException e) {
                LOG.debug("{} did not answer the join request: {}", peer.id(), e.toString());
            }
        }
        return false;
    }
}
