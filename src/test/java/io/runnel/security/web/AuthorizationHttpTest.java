package io.runnel.security.web;

import static io.runnel.TestHttp.assertProblem;
import static io.runnel.security.Operation.ALTER;
import static io.runnel.security.Operation.ALTER_CONFIGS;
import static io.runnel.security.Operation.CREATE;
import static io.runnel.security.Operation.DELETE;
import static io.runnel.security.Operation.DESCRIBE;
import static io.runnel.security.Operation.READ;
import static io.runnel.security.Operation.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestHttp;
import io.runnel.security.Access;
import io.runnel.security.AclBinding;
import io.runnel.security.ApiCall;
import io.runnel.security.PatternType;
import io.runnel.security.Permission;
import io.runnel.security.ResourceType;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/**
 * The contract's table "What each call needs" over real HTTP with security on: for every row of
 * {@link ApiCall}, a principal without ACLs is refused with the row's {@code 403 *_AUTHORIZATION_FAILED}
 * problem naming the resource and the operation (and nothing happens), and the same principal with exactly
 * the row's ACLs gets the call's normal answer; lists are filtered, never refused. Then Kafka's rules as the
 * calls see them: DENY beats ALLOW, PREFIXED names, implied DESCRIBE, no existence leak, member calls'
 * topics, a PATCH that does two things.
 */
class AuthorizationHttpTest extends SecuredHttpTest {
    private static final String RECORD = "{\"records\":[{\"value\":1}]}";

    /**
     * One row of the table, set up on fresh resources: the ACLs that allow it, the call, its answer when
     * allowed, and the access a refusal reports ({@code null} for a list, which is filtered instead; then
     * {@code listed} is what the list shows only when allowed).
     */
    record Row(List<Access> grants, Function<Client, TestHttp.Response> call, int allowed, Access refused, Listed listed) {
        static Row of(List<Access> grants, Function<Client, TestHttp.Response> call, int allowed, Access refused) {
            return new Row(grants, call, allowed, refused, null);
        }
    }

    /** A list call's answer: the array {@code array} of objects whose {@code field} names {@code name}. */
    record Listed(String array, String field, String name) {
        boolean in(TestHttp.Response r) {
            return r.json().path(array).values().stream().anyMatch(n -> n.path(field).asString().equals(name));
        }
    }

    /**
     * Every row has a case; one without fails {@link #row}. ({@code SecurityAdminHttpTest} checks all six calls of
     * {@code /api-keys} and {@code /acls}; their rows here check one each.)
     */
    @ParameterizedTest
    @EnumSource(ApiCall.class)
    void everyRowIsRefusedWithoutItsAclsAndAllowedWithThem(ApiCall call) {
        Row row = row(call, admin());
        Client caller = newPrincipal(call.name().toLowerCase().replace('_', '-'));

        TestHttp.Response refused = row.call().apply(caller);
        if (row.listed() != null) {
            assertThat(refused.status()).as(refused.body()).isEqualTo(200);
            assertThat(row.listed().in(refused)).as("listed without DESCRIBE: %s", refused.body()).isFalse();
        } else {
            assertRefused(refused, row.refused());
        }

        row.grants().forEach(access -> allow(caller, access.resourceType(), access.resourceName(), access.operation()));
        TestHttp.Response allowed = row.call().apply(caller);
        assertThat(allowed.status()).as("%s with %s: %s", call, row.grants(), allowed.body()).isEqualTo(row.allowed());
        if (row.listed() != null) {
            assertThat(row.listed().in(allowed)).as("listed with DESCRIBE: %s", allowed.body()).isTrue();
        }
    }

    /** Sets up fresh resources for {@code call} and returns its row; every row of {@link ApiCall} needs a case here. */
    private Row row(ApiCall call, Client admin) {
        String t = unique("authz-t");
        String g = unique("authz-g");
        String records = "/topics/" + t + "/partitions/0/records";
        switch (call) {
            case PRODUCE -> {
                admin.createTopic(t);
                return Row.of(List.of(Access.topic(WRITE, t)), c -> c.post("/topics/" + t + "/records", RECORD), 200, Access.topic(WRITE, t));
            }
            case FETCH -> {
                admin.createTopic(t);
                return Row.of(List.of(Access.topic(READ, t)), c -> c.get(records), 200, Access.topic(READ, t));
            }
            case STREAM -> {
                admin.createTopic(t);
                return Row.of(List.of(Access.topic(READ, t)), c -> openStream(c, "/topics/" + t + "/partitions/0/stream"), 200,
                        Access.topic(READ, t));
            }
            case LOOKUP_OFFSETS -> {
                admin.createTopic(t);
                return Row.of(List.of(Access.topic(READ, t)), c -> c.get("/topics/" + t + "/partitions/0/offsets?timestamp=2026-01-01T00:00:00Z"),
                        200, Access.topic(READ, t));
            }
            case CREATE_TOPIC -> {
                return Row.of(List.of(Access.topic(CREATE, t)), c -> c.post("/topics", Map.of("name", t, "partitions", 1)), 201,
                        Access.topic(CREATE, t));
            }
            case DELETE_TOPIC -> {
                admin.createTopic(t);
                return Row.of(List.of(Access.topic(DELETE, t)), c -> c.delete("/topics/" + t), 204, Access.topic(DELETE, t));
            }
            case ADD_PARTITIONS -> {
                admin.createTopic(t);
                return Row.of(List.of(Access.topic(ALTER, t)), c -> c.patch("/topics/" + t, Map.of("partitions", 2)), 200,
                        Access.topic(ALTER, t));
            }
            case ALTER_TOPIC_CONFIGS -> {
                admin.createTopic(t);
                return Row.of(List.of(Access.topic(ALTER_CONFIGS, t)),
                        c -> c.patch("/topics/" + t, Map.of("configs", Map.of("retention.ms", "3600000"))), 200, Access.topic(ALTER_CONFIGS, t));
            }
            case DESCRIBE_TOPIC -> {
                admin.createTopic(t);
                return Row.of(List.of(Access.topic(DESCRIBE, t)), c -> c.get("/topics/" + t), 200, Access.topic(DESCRIBE, t));
            }
            case LIST_TOPICS -> {
                admin.createTopic(t);
                return new Row(List.of(Access.topic(DESCRIBE, t)), c -> c.get("/topics"), 200, null, new Listed("topics", "name", t));
            }
            case JOIN_GROUP -> {
                admin.createTopic(t);
                return Row.of(List.of(Access.group(READ, g), Access.topic(READ, t)), c -> c.join(g, t), 201, Access.group(READ, g));
            }
            case READ_AS_MEMBER -> {
                String member = member(admin, g, t).path("memberId").asString();
                return Row.of(List.of(Access.group(READ, g), Access.topic(READ, t)),
                        c -> c.get("/groups/" + g + "/members/" + member + "/records"), 200, Access.group(READ, g));
            }
            case HEARTBEAT -> {
                String member = member(admin, g, t).path("memberId").asString();
                return Row.of(List.of(Access.group(READ, g), Access.topic(READ, t)),
                        c -> c.post("/groups/" + g + "/members/" + member + "/heartbeat", "{}"), 200, Access.group(READ, g));
            }
            case COMMIT_OFFSETS -> {
                JsonNode member = member(admin, g, t);
                Map<String, Object> commit = Map.of("memberId", member.path("memberId").asString(), "generation",
                        member.path("generation").asInt(), "offsets", List.of(Map.of("topic", t, "partition", 0, "offset", 0)));
                return Row.of(List.of(Access.group(READ, g), Access.topic(READ, t)), c -> c.put("/groups/" + g + "/offsets", commit), 200,
                        Access.group(READ, g));
            }
            case LEAVE_GROUP -> {
                String member = member(admin, g, t).path("memberId").asString();
                return Row.of(List.of(Access.group(READ, g)), c -> c.delete("/groups/" + g + "/members/" + member), 204, Access.group(READ, g));
            }
            case DESCRIBE_GROUP -> {
                emptyGroup(admin, g, t);
                return Row.of(List.of(Access.group(DESCRIBE, g)), c -> c.get("/groups/" + g), 200, Access.group(DESCRIBE, g));
            }
            case LIST_GROUPS -> {
                emptyGroup(admin, g, t);
                return new Row(List.of(Access.group(DESCRIBE, g)), c -> c.get("/groups"), 200, null, new Listed("groups", "group", g));
            }
            case RESET_GROUP_OFFSETS -> {
                emptyGroup(admin, g, t);
                return Row.of(List.of(Access.group(DELETE, g)), c -> c.post("/groups/" + g + "/offsets/reset", Map.of("topic", t, "to", "earliest")),
                        200, Access.group(DELETE, g));
            }
            case DELETE_GROUP -> {
                emptyGroup(admin, g, t);
                return Row.of(List.of(Access.group(DELETE, g)), c -> c.delete("/groups/" + g), 204, Access.group(DELETE, g));
            }
            case DESCRIBE_CLUSTER -> {
                return Row.of(List.of(Access.cluster(DESCRIBE)), c -> c.get("/cluster"), 200, Access.cluster(DESCRIBE));
            }
            case ALTER_PARTITION_REASSIGNMENTS -> {
                admin.createTopic(t);
                String self = admin.get("/cluster").json().path("instances").get(0).path("id").asString();
                return Row.of(List.of(Access.cluster(ALTER)), c -> c.put("/topics/" + t + "/partitions/0/replicas",
                        Map.of("replicas", List.of(self))), 202, Access.cluster(ALTER));
            }
            case DESCRIBE_PARTITION_REASSIGNMENTS -> {
                return Row.of(List.of(Access.cluster(DESCRIBE)), c -> c.get("/reassignments"), 200, Access.cluster(DESCRIBE));
            }
            case REMOVE_INSTANCE -> {
                // a single node: no other instance to remove, so an allowed caller learns it is unknown
                return Row.of(List.of(Access.cluster(ALTER)), c -> c.delete("/cluster/instances/gone-" + t), 404, Access.cluster(ALTER));
            }
            case SCRAPE_METRICS -> {
                return Row.of(List.of(Access.cluster(DESCRIBE)), c -> c.get("/actuator/prometheus"), 200, Access.cluster(DESCRIBE));
            }
            case MANAGE_API_KEYS -> {
                return Row.of(List.of(Access.cluster(ALTER)), c -> c.post("/api-keys", Map.of("principal", "User:" + t)), 201,
                        Access.cluster(ALTER));
            }
            case MANAGE_CONNECTORS -> {
                // no plugin in this context: an allowed caller gets as far as the config check
                return Row.of(List.of(Access.cluster(ALTER)), c -> c.put("/connectors/" + t + "/config",
                        Map.of("connector.class", "none", "topics", t)), 422, Access.cluster(ALTER));
            }
            case MANAGE_STREAMS -> {
                // an illegal input topic name: an allowed caller gets as far as the definition check
                return Row.of(List.of(Access.cluster(ALTER)), c -> c.put("/streams/" + t, Map.of("from", "no/such", "to", t)), 422,
                        Access.cluster(ALTER));
            }
            case DESCRIBE_STREAMS -> {
                return Row.of(List.of(Access.cluster(DESCRIBE)), c -> c.get("/streams"), 200, Access.cluster(DESCRIBE));
            }
            case DESCRIBE_CONNECTORS -> {
                return Row.of(List.of(Access.cluster(DESCRIBE)), c -> c.get("/connectors"), 200, Access.cluster(DESCRIBE));
            }
            case MANAGE_ACLS -> {
                return Row.of(List.of(Access.cluster(ALTER)), c -> c.post("/acls", Map.of("principal", "User:" + t, "resourceType", "TOPIC",
                        "resourceName", t, "patternType", "LITERAL", "operation", "READ", "permission", "ALLOW")), 201, Access.cluster(ALTER));
            }
            case DRAIN_INSTANCE -> {
                String self = admin.get("/cluster").json().path("controller").asString();
                return Row.of(List.of(Access.cluster(ALTER)), c -> c.delete("/cluster/instances/" + self + "/drain"), 204,
                        Access.cluster(ALTER));
            }
            case REBALANCE_CLUSTER -> {
                return Row.of(List.of(Access.cluster(ALTER)), c -> c.post("/cluster/rebalance?dryRun=true", ""), 200,
                        Access.cluster(ALTER));
            }
            default -> throw new AssertionError("no case for the row " + call + " of the table: add one to AuthorizationHttpTest.row");
        }
    }

    /** A member of {@code g} reading the new topic {@code t}, joined by the admin: its join answer. */
    private static JsonNode member(Client admin, String g, String t) {
        admin.createTopic(t);
        TestHttp.Response joined = admin.join(g, t);
        assertThat(joined.status()).as(joined.body()).isEqualTo(201);
        return joined.json();
    }

    /** The group {@code g} with a committed offset of the new topic {@code t} and no members. */
    private static void emptyGroup(Client admin, String g, String t) {
        admin.createTopic(t);
        admin.commitWithoutMember(g, t);
    }

    /** Opens a stream and, once its status is there, closes it: the status, and the body of a refusal. */
    private static TestHttp.Response openStream(Client c, String path) {
        try {
            HttpResponse<InputStream> r = c.http().client().send(c.request(path).header("Accept", "text/event-stream").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            String contentType = r.headers().firstValue("Content-Type").orElse("");
            try (InputStream body = r.body()) {
                return new TestHttp.Response(r.statusCode(), contentType,
                        r.statusCode() == 200 ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode assertRefused(TestHttp.Response r, Access refused) {
        JsonNode problem = assertProblem(r, 403, refused.resourceType().refusal().name());
        assertThat(problem.path("resourceType").asString()).isEqualTo(refused.resourceType().name());
        assertThat(problem.path("resourceName").asString()).isEqualTo(refused.resourceName());
        assertThat(problem.path("operation").asString()).isEqualTo(refused.operation().name());
        return problem;
    }

    @Test
    void denyBeatsAllow() {
        Client admin = admin();
        String t = unique("authz-deny");
        admin.createTopic(t);
        Client caller = newPrincipal("deny");
        allowTopic(caller, t, READ);
        assertThat(caller.get("/topics/" + t + "/partitions/0/records").status()).isEqualTo(200);

        metadata.createAcl(new AclBinding(caller.principal(), ResourceType.TOPIC, t, PatternType.LITERAL, READ, Permission.DENY));

        assertRefused(caller.get("/topics/" + t + "/partitions/0/records"), Access.topic(READ, t));
    }

    @Test
    void aPrefixedAclGrantsEveryTopicWithThePrefix() {
        Client admin = admin();
        String team = unique("orders") + ".";
        admin.createTopic(team + "eu");
        admin.createTopic(team.substring(0, team.length() - 1) + "-eu");
        Client caller = newPrincipal("prefixed");
        metadata.createAcl(new AclBinding(caller.principal(), ResourceType.TOPIC, team, PatternType.PREFIXED, WRITE, Permission.ALLOW));

        assertThat(caller.post("/topics/" + team + "eu/records", RECORD).status()).isEqualTo(200);
        String other = team.substring(0, team.length() - 1) + "-eu";
        assertRefused(caller.post("/topics/" + other + "/records", RECORD), Access.topic(WRITE, other));
    }

    @Test
    void readImpliesDescribe() {
        Client admin = admin();
        String t = unique("authz-implied");
        admin.createTopic(t);
        Client caller = newPrincipal("implied");
        allowTopic(caller, t, READ);

        assertThat(caller.get("/topics/" + t).status()).isEqualTo(200);
        assertThat(caller.get("/topics/" + t + "/partitions").status()).isEqualTo(200);
        assertThat(caller.get("/topics/" + t + "/partitions/0").status()).isEqualTo(200);
        assertThat(new Listed("topics", "name", t).in(caller.get("/topics"))).isTrue();
        assertRefused(caller.post("/topics/" + t + "/records", RECORD), Access.topic(WRITE, t));
    }

    @Test
    void aRefusalDoesNotTellWhetherTheResourceExists() {
        Client caller = newPrincipal("no-leak");
        String missing = unique("authz-missing");
        assertRefused(caller.get("/topics/" + missing), Access.topic(DESCRIBE, missing));
        assertRefused(caller.delete("/topics/" + missing), Access.topic(DELETE, missing));
        assertRefused(caller.get("/topics/" + missing + "/partitions/0/records"), Access.topic(READ, missing));
        assertRefused(caller.get("/groups/" + missing), Access.group(DESCRIBE, missing));
        assertRefused(caller.post("/groups/" + missing + "/members/nobody/heartbeat", "{}"), Access.group(READ, missing));

        allowTopic(caller, missing, DESCRIBE);
        allowGroup(caller, missing, DESCRIBE);
        assertProblem(caller.get("/topics/" + missing), 404, "TOPIC_NOT_FOUND");
        assertProblem(caller.get("/groups/" + missing), 404, "GROUP_NOT_FOUND");
    }

    @Test
    void creatingATopicNeedsCreateOnTheTopicOrOnTheCluster() {
        Client caller = newPrincipal("creator");
        String t = unique("authz-create");
        assertRefused(caller.post("/topics", Map.of("name", t)), Access.topic(CREATE, t));
        allowCluster(caller, CREATE);
        assertThat(caller.post("/topics", Map.of("name", t)).status()).isEqualTo(201);
    }

    @Test
    void aPatchThatGrowsPartitionsAndChangesConfigsNeedsBoth() {
        Client admin = admin();
        String t = unique("authz-patch");
        admin.createTopic(t);
        Client caller = newPrincipal("patcher");
        allowTopic(caller, t, ALTER);
        Map<String, Object> both = Map.of("partitions", 2, "configs", Map.of("retention.ms", "3600000"));

        assertRefused(caller.patch("/topics/" + t, both), Access.topic(ALTER_CONFIGS, t));
        allowTopic(caller, t, ALTER_CONFIGS);
        assertThat(caller.patch("/topics/" + t, both).status()).isEqualTo(200);
    }

    @Test
    void memberCallsNeedReadOnTheirTopicsToo() {
        Client admin = admin();
        String t = unique("authz-member-t");
        String g = unique("authz-member-g");
        String member = member(admin, g, t).path("memberId").asString();
        Client caller = newPrincipal("member");
        allowGroup(caller, g, READ);

        assertRefused(caller.join(g, t), Access.topic(READ, t));
        assertRefused(caller.post("/groups/" + g + "/members/" + member + "/heartbeat", "{}"), Access.topic(READ, t));
        assertRefused(caller.get("/groups/" + g + "/members/" + member + "/records"), Access.topic(READ, t));
        assertRefused(caller.put("/groups/" + g + "/offsets", Map.of("memberId", member, "generation", 1,
                "offsets", List.of(Map.of("topic", t, "partition", 0, "offset", 0)))), Access.topic(READ, t));
        assertThat(caller.delete("/groups/" + g + "/members/" + member).status()).as("leaving needs the group only").isEqualTo(204);
    }

    @Test
    void listsShowOnlyWhatTheCallerMayDescribe() {
        Client admin = admin();
        String seen = unique("authz-seen");
        String hidden = unique("authz-hidden");
        admin.createTopic(seen);
        admin.createTopic(hidden);
        admin.commitWithoutMember(seen, seen);
        admin.commitWithoutMember(hidden, hidden);
        Client caller = newPrincipal("lister");
        allowTopic(caller, seen, DESCRIBE);
        allowGroup(caller, seen, DESCRIBE);

        TestHttp.Response topics = caller.get("/topics");
        assertThat(new Listed("topics", "name", seen).in(topics)).isTrue();
        assertThat(new Listed("topics", "name", hidden).in(topics)).isFalse();
        TestHttp.Response groups = caller.get("/groups");
        assertThat(new Listed("groups", "group", seen).in(groups)).isTrue();
        assertThat(new Listed("groups", "group", hidden).in(groups)).isFalse();
        assertThat(new Listed("topics", "name", hidden).in(admin.get("/topics"))).as("a super-user sees everything").isTrue();
    }
}
