package io.runnel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.config.ClusterPeers.Peer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterPeersTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void blankPeersMeanASingleNode(String spec) {
        assertThat(ClusterPeers.parse(spec, "runnel-0")).isEmpty();
        assertThat(ClusterPeers.parse(null, "runnel-0")).isEmpty();
    }

    @Test
    void parsesEveryPeerSortedByIdAndFindsSelf() {
        ClusterPeers peers = ClusterPeers.parse(
                " runnel-2@pod-2.runnel:8080:9080, runnel-0@pod-0.runnel:8080:9080 ,runnel-1@10.0.0.7:8081:9081", "runnel-1")
                .orElseThrow();

        assertThat(peers.all()).containsExactly(
                new Peer("runnel-0", "pod-0.runnel", 8080, 9080),
                new Peer("runnel-1", "10.0.0.7", 8081, 9081),
                new Peer("runnel-2", "pod-2.runnel", 8080, 9080));
        assertThat(peers.self()).isEqualTo(new Peer("runnel-1", "10.0.0.7", 8081, 9081));
        assertThat(peers.find("runnel-2")).map(Peer::httpUrl).contains("http://pod-2.runnel:8080");
        assertThat(peers.find("runnel-9")).isEmpty();
        assertThat(peers.self().raftAddress()).isEqualTo("10.0.0.7:9081");
    }

    @Test
    void acceptsBracketedIpv6Hosts() {
        Peer peer = ClusterPeers.parse("a@[::1]:8080:9080", "a").orElseThrow().self();

        assertThat(peer.host()).isEqualTo("::1");
        assertThat(peer.httpUrl()).isEqualTo("http://[::1]:8080");
        assertThat(peer.raftAddress()).isEqualTo("[::1]:9080");
    }

    @Test
    void aSinglePeerListingOnlySelfIsACluster() {
        assertThat(ClusterPeers.parse("solo@localhost:8080:9080", "solo")).map(p -> p.all().size()).contains(1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a@h:1:2,a@g:1:2          | listed twice",
            "a@h:1:2,,b@h:3:4          | empty entry",
            "a@h:1:2,                  | empty entry",
            "h:1:2                     | expected id@host:httpPort:raftPort",
            "a@h:1                     | expected id@host:httpPort:raftPort",
            "a@:1:2                    | expected id@host:httpPort:raftPort",
            "a@h:0:2                   | httpPort must be a number from 1 to 65535, got '0'",
            "a@h:1:65536               | raftPort must be a number from 1 to 65535, got '65536'",
            "a@h:x:2                   | httpPort must be a number from 1 to 65535, got 'x'",
            "a@h:8080:8080             | must differ",
            "a@h:1:2,b@h:2:3           | port 2 of host h is already taken",
            "a@::1:1:2                 | bad host",
            "a@h h:1:2                 | bad host",
            "bad/id@h:1:2              | peer ids are 1-249 characters",
            "..@h:1:2                  | peer ids are 1-249 characters",
            "b@h:1:2                   | must list this instance: runnel.node.id 'a' is not among [b]",
    })
    void refusesBadPeerListsWithAMessageNamingTheProblem(String spec, String message) {
        assertThatThrownBy(() -> ClusterPeers.parse(spec, "a"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void aPeerBoundFieldByFieldIsCheckedLikeAParsedOne() {
        assertThatThrownBy(() -> new Peer("a", "h", 70000, 9080)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid runnel.cluster.peers entry 'a@h:70000:9080': httpPort must be a number from 1 to 65535, got '70000'");
        assertThatThrownBy(() -> new Peer("..", "h", 1, 2)).hasMessageContaining("peer ids are 1-249 characters");
        assertThatThrownBy(() -> new Peer("a", "", 1, 2)).hasMessageContaining("bad host");
        assertThat(new Peer("a", "::1", 1, 2)).hasToString("a@[::1]:1:2");
    }

    @Test
    void aListOfPeersFormsTheSameClusterAsTheStringForm() {
        List<Peer> peers = List.of(new Peer("b", "h", 3, 4), new Peer("a", "h", 1, 2));

        assertThat(ClusterPeers.of(peers, "a")).isEqualTo(ClusterPeers.parse("b@h:3:4,a@h:1:2", "a"));
        assertThat(ClusterPeers.of(List.of(), "a")).isEmpty();
        assertThatThrownBy(() -> ClusterPeers.of(List.of(new Peer("a", "h", 1, 2), new Peer("a", "g", 1, 2)), "a"))
                .hasMessage("invalid runnel.cluster.peers entry 'a@g:1:2': peer id 'a' is listed twice");
    }
}
