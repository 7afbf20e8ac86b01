package io.runnel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.HttpScenarioTest;
import io.runnel.HttpTestClient;
import org.junit.jupiter.api.Test;

/** On a single node there is no quorum: /cluster is a cluster of one and /internal/** does not exist. */
class SingleNodeClusterHttpTest extends HttpScenarioTest {

    @Test
    void aSingleNodeIsAClusterOfOneWithoutInternalCalls() {
        HttpTestClient.Response cluster = http.get("/cluster");
        assertThat(cluster.status()).isEqualTo(200);
        assertThat(cluster.json().path("controller").asString()).isEqualTo(NODE_ID);
        assertThat(cluster.json().path("instances")).hasSize(1);
        assertThat(cluster.json().path("instances").get(0).path("status").asString()).isEqualTo("online");

        HttpTestClient.Response internal = http.get("/internal/topics/any/offsets");
        assertThat(internal.status()).isEqualTo(404);
        assertThat(internal.json().path("code").asString()).isEqualTo("NOT_FOUND");
        assertThat(http.get("/v3/api-docs").body()).doesNotContain("/internal");
    }
}
