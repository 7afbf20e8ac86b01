package io.runnel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QuorumPlannerTest {

    private static QuorumConf conf(List<String> voters, List<String> listeners) {
        return new QuorumConf(voters, listeners);
    }

    private static Optional<QuorumConf> next(QuorumConf c, Set<String> online) {
        return QuorumPlanner.next(c, online, Set.of(), "n0");
    }

    @Test
    void targetIsTheLargestOddNumberAtMostFive() {
        assertThat(List.of(1, 2, 3, 4, 5, 6, 7, 9).stream().map(QuorumPlanner::targetVoters).toList())
                .containsExactly(1, 1, 3, 3, 5, 5, 5, 5);
    }

    @Test
    void threeVotersAndAJoinerStayAsTheyAre() {
        QuorumConf c = conf(List.of("n0", "n1", "n2"), List.of("n3"));

        assertThat(next(c, Set.of("n0", "n1", "n2", "n3"))).isEmpty();
    }

    @Test
    void aFifthMemberMakesTwoListenersVotersOneAfterTheOther() {
        Set<String> online = Set.of("n0", "n1", "n2", "n3", "n4");
        QuorumConf c = conf(List.of("n0", "n1", "n2"), List.of("n3", "n4"));

        QuorumConf step1 = next(c, online).orElseThrow();
        assertThat(step1).isEqualTo(conf(List.of("n0", "n1", "n2", "n3"), List.of("n4")));
        QuorumConf step2 = next(step1, online).orElseThrow();
        assertThat(step2).isEqualTo(conf(List.of("n0", "n1", "n2", "n3", "n4"), List.of()));
        assertThat(next(step2, online)).isEmpty();
    }

    @Test
    void anOfflineListenerIsNotPromoted() {
        QuorumConf c = conf(List.of("n0", "n1", "n2"), List.of("n3", "n4"));

        assertThat(next(c, Set.of("n0", "n1", "n2", "n4"))).contains(conf(List.of("n0", "n1", "n2", "n4"), List.of("n3")));
        assertThat(next(c, Set.of("n0", "n1", "n2"))).isEmpty();
    }

    @Test
    void aRemovedMemberLeavesFirstThenTheVotersGoBackToOdd() {
        Set<String> online = Set.of("n0", "n1", "n2", "n3");
        QuorumConf c = conf(List.of("n0", "n1", "n2", "n3", "n4"), List.of());

        QuorumConf step1 = QuorumPlanner.next(c, online, Set.of("n4"), "n0").orElseThrow();
        assertThat(step1).isEqualTo(conf(List.of("n0", "n1", "n2", "n3"), List.of()));
        QuorumConf step2 = QuorumPlanner.next(step1, online, Set.of("n4"), "n0").orElseThrow();
        assertThat(step2.voters()).hasSize(3).contains("n0");
        assertThat(step2.listeners()).containsExactly("n3");
        assertThat(QuorumPlanner.next(step2, online, Set.of("n4"), "n0")).isEmpty();
    }

    @Test
    void anOfflineVoterIsDemotedBeforeAnOnlineOneAndTheControllerNever() {
        QuorumConf c = conf(List.of("n0", "n1", "n2", "n3"), List.of());

        assertThat(QuorumPlanner.next(c, Set.of("n0", "n2", "n3"), Set.of(), "n3").orElseThrow().listeners()).containsExactly("n1");
        assertThat(QuorumPlanner.next(c, Set.of("n0", "n1", "n2", "n3"), Set.of(), "n3").orElseThrow().listeners()).containsExactly("n2");
    }

    @Test
    void anOfflineVoterIsNotReplacedAndHoldsBackPromotionsUntilItIsBack() {
        QuorumConf c = conf(List.of("n0", "n1", "n2"), List.of("n3"));
        assertThat(next(c, Set.of("n0", "n1", "n3"))).as("a down voter is not replaced").isEmpty();

        QuorumConf growing = conf(List.of("n0", "n1", "n2"), List.of("n3", "n4"));
        assertThat(next(growing, Set.of("n0", "n1", "n3", "n4"))).as("no promotion while a voter is down").isEmpty();
        assertThat(next(growing, Set.of("n0", "n1", "n2", "n3", "n4")).orElseThrow().voters()).contains("n3");
    }

    @Test
    void aVoterGoneForGoodIsReplacedOnceItIsRemoved() {
        QuorumConf c = conf(List.of("n0", "n1", "n2"), List.of("n3", "n4"));
        Set<String> online = Set.of("n0", "n1", "n3", "n4");

        QuorumConf step1 = QuorumPlanner.next(c, online, Set.of("n2"), "n0").orElseThrow();
        assertThat(step1).isEqualTo(conf(List.of("n0", "n1"), List.of("n3", "n4")));
        QuorumConf step2 = QuorumPlanner.next(step1, online, Set.of("n2"), "n0").orElseThrow();
        assertThat(step2.voters()).hasSize(3).contains("n0", "n1");
        assertThat(QuorumPlanner.next(step2, online, Set.of("n2"), "n0")).isEmpty();
    }

    @Test
    void theControllerIsNotRemovedEvenIfListedAsRemoved() {
        QuorumConf c = conf(List.of("n0", "n1", "n2"), List.of());

        assertThat(QuorumPlanner.next(c, Set.of("n0", "n1", "n2"), Set.of("n0"), "n0")).isEmpty();
    }
}
