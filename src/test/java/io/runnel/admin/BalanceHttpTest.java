package io.runnel.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.HttpScenarioTest;
import io.runnel.HttpTestClient;
import org.junit.jupiter.api.Test;

/** Drain, un-drain and rebalance over HTTP on a single node: nowhere to move to, so refusals and empty plans. */
class BalanceHttpTest extends HttpScenarioTest {

    @Test
    void aSingleNodeCannotBeDrainedAndAnUnknownInstanceIsNotFound() {
        HttpTestClient.Response self = http.post("/cluster/instances/" + NODE_ID + "/drain", "");
        assertThat(self.status()).as(self.body()).isEqualTo(409);
        assertThat(self.json().path("code").asString()).isEqualTo("CANNOT_DRAIN");
        assertThat(self.json().path("detail").asString()).contains("single node");

        HttpTestClient.Response unknown = http.post("/cluster/instances/nobody/drain", "");
        assertThat(unknown.status()).as(unknown.body()).isEqualTo(404);
        assertThat(unknown.json().path("code").asString()).isEqualTo("INSTANCE_NOT_FOUND");

        assertThat(http.delete("/cluster/instances/" + NODE_ID + "/drain").status()).isEqualTo(204);
        HttpTestClient.Response undrainUnknown = http.delete("/cluster/instances/nobody/drain");
        assertThat(undrainUnknown.status()).isEqualTo(404);
        assertThat(undrainUnknown.json().path("code").asString()).isEqualTo("INSTANCE_NOT_FOUND");
    }

    @Test
    void aSingleNodeRebalancePlansNothingWithOrWithoutADryRun() {
        HttpTestClient.Response dryRun = http.post("/cluster/rebalance?dryRun=true", "");
        assertThat(dryRun.status()).as(dryRun.body()).isEqualTo(200);
        assertThat(dryRun.json().path("dryRun").asBoolean()).isTrue();
        assertThat(dryRun.json().path("moves")).isEmpty();
        assertThat(dryRun.json().path("leadershipChanges")).isEmpty();

        HttpTestClient.Response run = http.post("/cluster/rebalance", "");
        assertThat(run.status()).as(run.body()).isEqualTo(202);
        assertThat(run.json().path("dryRun").asBoolean()).isFalse();
        assertThat(run.json().path("moves")).isEmpty();
    }

    @Test
    void aDryRunThatIsNotABooleanIsRefused() {
        HttpTestClient.Response r = http.post("/cluster/rebalance?dryRun=perhaps", "");
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().path("code").asString()).isEqualTo("INVALID_PARAMETER");
        assertThat(r.json().path("detail").asString()).contains("dryRun");
    }

    @Test
    void theClusterShowsEachInstancesReplicaAndLeaderCounts() {
        assertThat(http.post("/topics", "{\"name\":\"balance-counts\",\"partitions\":3}").status()).isEqualTo(201);

        HttpTestClient.Response cluster = http.get("/cluster");

        var instance = cluster.json().path("instances").get(0);
        assertThat(instance.path("status").asString()).isEqualTo("online");
        assertThat(instance.path("replicas").asInt()).isEqualTo(instance.path("partitions").asInt()).isGreaterThanOrEqualTo(3);
        assertThat(instance.path("leaders").asInt()).isEqualTo(instance.path("partitions").asInt());
    }
}
