package io.runnel.group;

import static io.runnel.TestHttp.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.TestHttp;
import io.runnel.TestHttp.Response;
import io.runnel.topic.TopicPartition;
import io.runnel.partition.LogManager;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Consumer groups over real HTTP against one node: membership and rebalancing, member reads,
 * delivery guarantees, commits and their fencing, offsets administration, and the lag metric.
 * Each test uses its own topic and group names, so they share one server.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GroupsHttpTest {
    /** Session timeout of members that are meant to expire. */
    private static final long SESSION_MS = 2_000;
    /**
     * How long a silent member may outlive its last call at most: its session timeout, plus a
     * second for the sweeper (it runs every 200 ms) and the rebalance, plus 2 s of slack for thread
     * scheduling on a busy 2-core machine.
     */
    private static final Duration EXPIRY_BOUND = Duration.ofMillis(SESSION_MS + 1_000 + 2_000);
    /** Bound on any loop that reads until it has seen what it expects. */
    private static final Duration READ_BOUND = Duration.ofSeconds(20);

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", () -> dataDir.toString());
    }

    @LocalServerPort
    int port;

    @Autowired
    LogManager logs;

    private TestHttp http;
    private static final AtomicInteger NAMES = new AtomicInteger();

    @BeforeEach
    void client() {
        http = new TestHttp(port);
    }

    private static String unique(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet();
    }

    /** One record as a member read returns it. */
    record Rec(TopicPartition tp, long offset, String value) {
    }

    /** One member read: the generation and assignment it was answered in, and its records. */
    record Read(int generation, Set<TopicPartition> assignment, List<Rec> records) {
    }

    private JsonNode join(String group, String topic, long sessionMs, String reset) {
        Response r = http.post("/groups/" + group + "/members",
                Map.of("topics", List.of(topic), "sessionTimeoutMs", sessionMs, "autoOffsetReset", reset));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json();
    }

    private String joinId(String group, String topic, long sessionMs, String reset) {
        return join(group, topic, sessionMs, reset).path("memberId").asString();
    }

    private Response readRaw(String group, String member, String query) {
        return http.get("/groups/" + group + "/members/" + member + "/records" + query);
    }

    private Read read(String group, String member, String query) {
        Response r = readRaw(group, member, query);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode n = r.json();
        List<Rec> records = new ArrayList<>();
        for (JsonNode rec : n.path("records")) {
            records.add(new Rec(new TopicPartition(rec.path("topic").asString(), rec.path("partition").asInt()),
                    rec.path("offset").asLong(), rec.path("value").toString()));
        }
        return new Read(n.path("generation").asInt(), assignment(n), records);
    }

    /** Reads as {@code member} until {@code expected} records came back; bounded by {@link #READ_BOUND}. */
    private List<Rec> readAll(String group, String member, String query, int expected) {
        List<Rec> all = new CopyOnWriteArrayList<>();
        await().atMost(READ_BOUND).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).until(() -> {
            all.addAll(read(group, member, query).records());
            return all.size() >= expected;
        });
        return all;
    }

    private JsonNode heartbeat(String group, String member) {
        Response r = http.post("/groups/" + group + "/members/" + member + "/heartbeat", "");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static Set<TopicPartition> assignment(JsonNode n) {
        Set<TopicPartition> out = new TreeSet<>();
        for (JsonNode tp : n.path("assignment")) {
            out.add(new TopicPartition(tp.path("topic").asString(), tp.path("partition").asInt()));
        }
        return out;
    }

    private static Set<TopicPartition> partitions(String topic, int count) {
        Set<TopicPartition> out = new TreeSet<>();
        for (int p = 0; p < count; p++) {
            out.add(new TopicPartition(topic, p));
        }
        return out;
    }

    private int liveMembers(String group) {
        Response r = http.get("/groups/" + group);
        if (r.status() == 404) {
            return 0;
        }
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().path("members").size();
    }

    private Response commit(String group, String member, int generation, TopicPartition tp, long offset) {
        Map<String, Object> body = new HashMap<>();
        if (member != null) {
            body.put("memberId", member);
            body.put("generation", generation);
        }
        body.put("offsets", List.of(Map.of("topic", tp.topic(), "partition", tp.partition(), "offset", offset)));
        return http.put("/groups/" + group + "/offsets", body);
    }

    private static String[] values(String prefix, int count) {
        String[] out = new String[count];
        for (int i = 0; i < count; i++) {
            out[i] = "\"" + prefix + i + "\"";
        }
        return out;
    }

    // ---- membership and rebalancing

    @Test
    void twoMembersNeverReadTheSamePartitionInOneGenerationAndTogetherCoverAllSix() throws Exception {
        String topic = unique("six");
        String group = unique("pair");
        http.createTopic(topic, 6);
        for (int p = 0; p < 6; p++) {
            http.produce(topic, p, values("p" + p + "-", 4));
        }
        String m1 = joinId(group, topic, 30_000, "earliest");
        String m2 = joinId(group, topic, 30_000, "earliest");

        Map<String, List<Read>> reads = new ConcurrentHashMap<>();
        AtomicInteger total = new AtomicInteger();
        List<CompletableFuture<Void>> readers = new ArrayList<>();
        for (String m : List.of(m1, m2)) {
            readers.add(CompletableFuture.runAsync(() -> await().atMost(READ_BOUND).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(5)).until(() -> {
                        Read r = read(group, m, "?waitMs=200&limit=3");
                        reads.computeIfAbsent(m, k -> new CopyOnWriteArrayList<>()).add(r);
                        return total.addAndGet(r.records().size()) >= 24;
                    })));
        }
        CompletableFuture.allOf(readers.toArray(CompletableFuture[]::new)).get(READ_BOUND.toSeconds() + 5, TimeUnit.SECONDS);

        Map<Integer, Map<String, Set<TopicPartition>>> assignedPerGeneration = new HashMap<>();
        Map<Integer, Map<String, Set<TopicPartition>>> readPerGeneration = new HashMap<>();
        List<Rec> all = new ArrayList<>();
        reads.forEach((m, list) -> list.forEach(r -> {
            r.records().forEach(rec -> assertThat(r.assignment()).as("%s read a partition outside its assignment", m).contains(rec.tp()));
            assignedPerGeneration.computeIfAbsent(r.generation(), g -> new HashMap<>()).put(m, r.assignment());
            r.records().forEach(rec -> readPerGeneration.computeIfAbsent(r.generation(), g -> new HashMap<>())
                    .computeIfAbsent(m, k -> new HashSet<>()).add(rec.tp()));
            all.addAll(r.records());
        }));
        for (Map<String, Set<TopicPartition>> byMember : List.copyOf(readPerGeneration.values())) {
            if (byMember.size() == 2) {
                assertThat(byMember.get(m1)).doesNotContainAnyElementsOf(byMember.get(m2));
            }
        }
        for (Map<String, Set<TopicPartition>> byMember : List.copyOf(assignedPerGeneration.values())) {
            if (byMember.size() == 2) {
                assertThat(byMember.get(m1)).doesNotContainAnyElementsOf(byMember.get(m2));
                Set<TopicPartition> union = new TreeSet<>(byMember.get(m1));
                union.addAll(byMember.get(m2));
                assertThat(union).isEqualTo(partitions(topic, 6));
            }
        }
        assertThat(assignedPerGeneration).as("both members read in a common generation")
                .anySatisfy((gen, byMember) -> assertThat(byMember).containsOnlyKeys(m1, m2));
        Set<String> delivered = new HashSet<>();
        all.forEach(rec -> assertThat(delivered.add(rec.tp() + "@" + rec.offset())).as("delivered twice: %s", rec).isTrue());
        assertThat(delivered).hasSize(24);
        assertThat(all).extracting(Rec::tp).containsAll(partitions(topic, 6));

        JsonNode described = http.get("/groups/" + group).json();
        assertThat(described.path("state").asString()).isEqualTo("Stable");
        assertThat(described.path("members")).hasSize(2);
        leave(group, m1);
        leave(group, m2);
    }

    private void leave(String group, String member) {
        assertThat(http.delete("/groups/" + group + "/members/" + member).status()).isEqualTo(204);
    }

    @Test
    void silentMemberLosesItsPartitionsWithinSessionTimeoutAndTheSurvivorGetsAllSix() {
        String topic = unique("six");
        String group = unique("expiry");
        http.createTopic(topic, 6);
        String survivor = joinId(group, topic, 30_000, "earliest");
        String quitter = joinId(group, topic, SESSION_MS, "earliest");
        Set<TopicPartition> quitterHeld = assignment(heartbeat(group, quitter)); // its last call
        Instant lastCall = Instant.now();
        assertThat(quitterHeld).hasSize(3);
        assertThat(assignment(heartbeat(group, survivor))).hasSize(3).doesNotContainAnyElementsOf(quitterHeld);

        // Bound: session timeout + 1 s + 2 s of slack (EXPIRY_BOUND), counted from the quitter's last call.
        await().atMost(EXPIRY_BOUND.minus(Duration.between(lastCall, Instant.now())))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> assignment(heartbeat(group, survivor)).size() == 6);

        assertThat(assignment(heartbeat(group, survivor))).isEqualTo(partitions(topic, 6));
        assertProblem(http.post("/groups/" + group + "/members/" + quitter + "/heartbeat", ""), 404, "UNKNOWN_MEMBER");
        assertProblem(readRaw(group, quitter, ""), 404, "UNKNOWN_MEMBER");
        assertThat(liveMembers(group)).isEqualTo(1);
        leave(group, survivor);
    }

    @Test
    void heartbeatReportsRebalancingOnceAfterAnotherMemberJoins() {
        String topic = unique("two");
        String group = unique("hb");
        http.createTopic(topic, 2);
        String m1 = joinId(group, topic, 30_000, "earliest");
        JsonNode first = heartbeat(group, m1);
        assertThat(first.path("rebalancing").asBoolean()).isFalse();
        assertThat(assignment(first)).hasSize(2);

        String m2 = joinId(group, topic, 30_000, "earliest");
        assertThat(http.get("/groups/" + group).json().path("state").asString()).isEqualTo("Rebalancing");
        JsonNode after = heartbeat(group, m1);

        assertThat(after.path("rebalancing").asBoolean()).isTrue();
        assertThat(after.path("generation").asInt()).isGreaterThan(first.path("generation").asInt());
        assertThat(assignment(after)).hasSize(1);
        assertThat(heartbeat(group, m1).path("rebalancing").asBoolean()).isFalse();
        assertThat(http.get("/groups/" + group).json().path("state").asString()).isEqualTo("Stable");
        leave(group, m1);
        leave(group, m2);
    }

    @Test
    void growingASubscribedTopicRebalancesOverTheNewPartitions() {
        String topic = unique("grow");
        String group = unique("grow");
        http.createTopic(topic, 2);
        String m1 = joinId(group, topic, 30_000, "earliest");
        String m2 = joinId(group, topic, 30_000, "earliest");
        int before = heartbeat(group, m1).path("generation").asInt();
        heartbeat(group, m2);

        assertThat(http.patch("/topics/" + topic, Map.of("partitions", 4)).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            JsonNode a = heartbeat(group, m1);
            JsonNode b = heartbeat(group, m2);
            assertThat(a.path("generation").asInt()).isGreaterThan(before).isEqualTo(b.path("generation").asInt());
            Set<TopicPartition> union = new TreeSet<>(assignment(a));
            assertThat(assignment(b)).doesNotContainAnyElementsOf(union);
            union.addAll(assignment(b));
            assertThat(union).isEqualTo(partitions(topic, 4));
        });
        TopicPartition newest = new TopicPartition(topic, 3);
        String owner = assignment(heartbeat(group, m1)).contains(newest) ? m1 : m2;
        http.produce(topic, 3, "\"on a new partition\"");
        assertThat(readAll(group, owner, "?waitMs=1000", 1)).containsExactly(new Rec(newest, 0, "\"on a new partition\""));
        leave(group, m1);
        leave(group, m2);
    }

    // ---- member reads and delivery guarantees

    @Test
    void manualCommitIsAtLeastOnceTheNextMemberGetsUncommittedRecordsAgain() {
        String topic = unique("alo");
        String group = unique("alo");
        http.createTopic(topic, 2);
        http.produce(topic, 0, values("a", 5));
        http.produce(topic, 1, values("b", 5));
        String crashing = joinId(group, topic, SESSION_MS, "earliest");
        List<Rec> first = readAll(group, crashing, "?limit=4", 10);
        assertThat(first).hasSize(10);

        // It "crashes": no commit, no more calls, until its session expires.
        await().atMost(EXPIRY_BOUND).pollInterval(Duration.ofMillis(100)).until(() -> liveMembers(group) == 0);

        String next = joinId(group, topic, 30_000, "earliest");
        List<Rec> again = readAll(group, next, "?limit=4", 10);
        assertThat(again).containsExactlyInAnyOrderElementsOf(first);
        assertThat(read(group, next, "?waitMs=200").records()).isEmpty();
        assertProblem(readRaw(group, crashing, ""), 404, "UNKNOWN_MEMBER");
        leave(group, next);
    }

    @Test
    void autoCommitIsAtMostOnceTheNextMemberDoesNotGetThoseRecordsAgain() {
        String topic = unique("amo");
        String group = unique("amo");
        http.createTopic(topic, 2);
        http.produce(topic, 0, values("a", 5));
        http.produce(topic, 1, values("b", 5));
        String first = joinId(group, topic, 30_000, "earliest");
        assertThat(readAll(group, first, "?limit=3&commit=auto", 10)).hasSize(10);

        JsonNode offsets = http.get("/groups/" + group).json().path("offsets");
        assertThat(offsets).as("committed before the read answered").hasSize(2)
                .allSatisfy(o -> assertThat(o.path("committedOffset").asLong()).isEqualTo(5));
        leave(group, first);

        String second = joinId(group, topic, 30_000, "earliest");
        assertThat(read(group, second, "?waitMs=300").records()).isEmpty();
        http.produce(topic, 0, "\"new\"");
        assertThat(readAll(group, second, "?waitMs=2000", 1))
                .containsExactly(new Rec(new TopicPartition(topic, 0), 5, "\"new\""));
        leave(group, second);
    }

    @Test
    void longPolledMemberReadWakesWhenARecordIsProduced() throws Exception {
        String topic = unique("poll");
        String group = unique("poll");
        http.createTopic(topic, 3);
        String member = joinId(group, topic, 30_000, "latest");
        read(group, member, ""); // positions resolved at the (empty) end

        CompletableFuture<Response> waiting = http.getAsync("/groups/" + group + "/members/" + member + "/records?waitMs=20000");
        // The read waits on each of its partitions before anything is produced; it must not answer early.
        await().atMost(READ_BOUND).until(() -> waiterCounts(topic, 3).equals(List.of(1, 1, 1)));
        assertThat(waiting).isNotDone();
        http.produce(topic, 2, "{\"woke\":true}");

        // Well below waitMs: the produce woke the read.
        Response r = waiting.get(10, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("records")).hasSize(1);
        assertThat(r.json().path("records").get(0).path("partition").asInt()).isEqualTo(2);
        assertThat(r.json().path("records").get(0).path("value").toString()).isEqualTo("{\"woke\":true}");
        await("the answered read waits on no partition").atMost(READ_BOUND)
                .until(() -> waiterCounts(topic, 3).equals(List.of(0, 0, 0)));
        leave(group, member);
    }

    private List<Integer> waiterCounts(String topic, int partitions) {
        return IntStream.range(0, partitions).mapToObj(p -> logs.partition(topic, p).orElseThrow().waiterCount()).toList();
    }

    @Test
    void memberReadSpreadsItsLimitOverBusyPartitions() {
        String topic = unique("fair");
        String group = unique("fair");
        http.createTopic(topic, 2);
        http.produce(topic, 0, values("x", 50));
        http.produce(topic, 1, values("y", 50));
        String member = joinId(group, topic, 30_000, "earliest");

        Read r = read(group, member, "?limit=10");

        assertThat(r.records()).extracting(Rec::tp).containsOnly(new TopicPartition(topic, 0), new TopicPartition(topic, 1))
                .contains(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        assertThat(r.records().size()).isLessThanOrEqualTo(10);
        leave(group, member);
    }

    // ---- commits, lag and fencing

    @Test
    void commitEchoesOffsetsAndTheGroupShowsLagAlsoAsAMetric() {
        String topic = unique("lag");
        String group = unique("lag");
        http.createTopic(topic, 2);
        http.produce(topic, 0, values("v", 10));
        http.produce(topic, 1, values("w", 4));
        JsonNode joined = join(group, topic, 30_000, "earliest");
        String member = joined.path("memberId").asString();
        int generation = joined.path("generation").asInt();

        Response echo = http.put("/groups/" + group + "/offsets", Map.of("memberId", member, "generation", generation,
                "offsets", List.of(Map.of("topic", topic, "partition", 0, "offset", 4, "metadata", "batch-7"),
                        Map.of("topic", topic, "partition", 1, "offset", 4))));

        assertThat(echo.status()).as(echo.body()).isEqualTo(200);
        assertThat(echo.json().path("offsets")).hasSize(2);
        JsonNode p0 = echo.json().path("offsets").get(0);
        assertThat(p0.path("topic").asString()).isEqualTo(topic);
        assertThat(p0.path("partition").asInt()).isEqualTo(0);
        assertThat(p0.path("committedOffset").asLong()).isEqualTo(4);
        assertThat(p0.path("metadata").asString()).isEqualTo("batch-7");
        JsonNode group0 = http.get("/groups/" + group).json();
        assertThat(group0.path("generation").asInt()).isEqualTo(generation);
        assertThat(group0.path("members").get(0).path("memberId").asString()).isEqualTo(member);
        assertThat(group0.path("members").get(0).path("lastSeen").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(group0.path("offsets")).hasSize(2);
        assertOffset(group0.path("offsets").get(0), topic, 0, 4, 10, 6);
        assertOffset(group0.path("offsets").get(1), topic, 1, 4, 4, 0);
        assertThat(lagMetric(group, topic, 0)).isEqualTo(6.0);
        assertThat(lagMetric(group, topic, 1)).isEqualTo(0.0);

        http.produce(topic, 0, "\"one more\"", "\"and another\"");
        assertOffset(http.get("/groups/" + group).json().path("offsets").get(0), topic, 0, 4, 12, 8);
        assertThat(lagMetric(group, topic, 0)).isEqualTo(8.0);
        leave(group, member);
    }

    private static void assertOffset(JsonNode o, String topic, int partition, long committed, long highWatermark, long lag) {
        assertThat(o.path("topic").asString()).isEqualTo(topic);
        assertThat(o.path("partition").asInt()).isEqualTo(partition);
        assertThat(o.path("committedOffset").asLong()).isEqualTo(committed);
        assertThat(o.path("highWatermark").asLong()).isEqualTo(highWatermark);
        assertThat(o.path("lag").asLong()).isEqualTo(lag);
    }

    /** The value of {@code runnel_group_lag} for one partition, or null when it is not exported. */
    private Double lagMetric(String group, String topic, int partition) {
        Response r = http.get("/actuator/prometheus");
        assertThat(r.status()).isEqualTo(200);
        for (String line : r.body().split("\n")) {
            if (line.startsWith("runnel_group_lag{") && line.contains("group=\"" + group + "\"")
                    && line.contains("topic=\"" + topic + "\"") && line.contains("partition=\"" + partition + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return null;
    }

    @Test
    void commitWithAStaleGenerationAfterARebalanceIs409IllegalGeneration() {
        String topic = unique("gen");
        String group = unique("gen");
        http.createTopic(topic, 2);
        http.produce(topic, 0, values("v", 3));
        JsonNode joined = join(group, topic, 30_000, "earliest");
        String m1 = joined.path("memberId").asString();
        int stale = joined.path("generation").asInt();
        String m2 = joinId(group, topic, 30_000, "earliest");
        TopicPartition kept = assignment(heartbeat(group, m1)).iterator().next();

        JsonNode problem = assertProblem(commit(group, m1, stale, kept, 1), 409, "ILLEGAL_GENERATION");

        assertThat(problem.path("generation").asInt()).isGreaterThan(stale);
        assertThat(commit(group, m1, problem.path("generation").asInt(), kept, 0).status()).isEqualTo(200);
        leave(group, m1);
        leave(group, m2);
    }

    @Test
    void committingAPartitionOfAnotherMemberIs409NotAssigned() {
        String topic = unique("na");
        String group = unique("na");
        http.createTopic(topic, 2);
        String m1 = joinId(group, topic, 30_000, "earliest");
        String m2 = joinId(group, topic, 30_000, "earliest");
        JsonNode hb = heartbeat(group, m1);
        TopicPartition others = assignment(heartbeat(group, m2)).iterator().next();
        assertThat(assignment(hb)).doesNotContain(others);

        JsonNode problem = assertProblem(commit(group, m1, hb.path("generation").asInt(), others, 0), 409, "NOT_ASSIGNED");

        assertThat(problem.path("partition").asInt()).isEqualTo(others.partition());
        leave(group, m1);
        leave(group, m2);
    }

    @Test
    void callsWithAnUnknownOrDepartedMemberIdAre404UnknownMember() {
        String topic = unique("um");
        String group = unique("um");
        http.createTopic(topic, 1);
        String stays = joinId(group, topic, 30_000, "earliest");
        String departed = joinId(group, topic, 30_000, "earliest");
        leave(group, departed);
        String stranger = UUID.randomUUID().toString();

        for (String member : List.of(stranger, departed)) {
            assertProblem(readRaw(group, member, "?waitMs=100"), 404, "UNKNOWN_MEMBER");
            assertProblem(http.post("/groups/" + group + "/members/" + member + "/heartbeat", ""), 404, "UNKNOWN_MEMBER");
            assertProblem(commit(group, member, 1, new TopicPartition(topic, 0), 0), 404, "UNKNOWN_MEMBER");
            assertProblem(http.delete("/groups/" + group + "/members/" + member), 404, "UNKNOWN_MEMBER");
        }
        String unknownGroup = unique("no-such-group"); // as for every group right after a restart
        assertProblem(readRaw(unknownGroup, stranger, ""), 404, "UNKNOWN_MEMBER");
        assertProblem(http.post("/groups/" + unknownGroup + "/members/" + stranger + "/heartbeat", ""), 404, "UNKNOWN_MEMBER");
        leave(group, stays);
    }

    // ---- group administration

    @Test
    void resetDeleteAndMemberlessCommitAre409GroupNotEmptyWhileMembersExist() {
        String topic = unique("ne");
        String group = unique("ne");
        http.createTopic(topic, 1);
        String member = joinId(group, topic, 30_000, "earliest");

        assertProblem(http.post("/groups/" + group + "/offsets/reset", Map.of("topic", topic, "to", "earliest")), 409, "GROUP_NOT_EMPTY");
        assertProblem(http.delete("/groups/" + group), 409, "GROUP_NOT_EMPTY");
        assertProblem(commit(group, null, 0, new TopicPartition(topic, 0), 0), 409, "GROUP_NOT_EMPTY");

        leave(group, member);
        assertThat(commit(group, null, 0, new TopicPartition(topic, 0), 0).status()).isEqualTo(200);
    }

    @Test
    void unknownGroupIs404GroupNotFoundAndAnIllegalNameIs422() {
        String missing = unique("never-created");
        assertProblem(http.get("/groups/" + missing), 404, "GROUP_NOT_FOUND");
        assertProblem(http.delete("/groups/" + missing), 404, "GROUP_NOT_FOUND");
        assertThat(http.get("/groups").json().path("groups").findValuesAsString("group")).doesNotContain(missing);

        String topic = unique("names");
        http.createTopic(topic, 1);
        for (String bad : List.of("bad!name", "..", "x".repeat(250))) {
            assertProblem(http.get("/groups/" + bad), 422, "INVALID_GROUP_NAME");
            assertProblem(http.post("/groups/" + bad + "/members", Map.of("topics", List.of(topic))), 422, "INVALID_GROUP_NAME");
            assertProblem(http.put("/groups/" + bad + "/offsets", Map.of("offsets",
                    List.of(Map.of("topic", topic, "partition", 0, "offset", 0)))), 422, "INVALID_GROUP_NAME");
        }
    }

    @Test
    void offsetsOfAnEmptyGroupResetToEarliestLatestTimestampAndOffset() {
        String topic = unique("reset");
        String group = unique("reset");
        http.createTopic(topic, 1);
        long t0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
        StringBuilder body = new StringBuilder("{\"records\":[");
        for (int i = 0; i < 10; i++) {
            body.append(i == 0 ? "" : ",").append("{\"value\":").append(i).append(",\"timestamp\":").append(t0 + i * 1000L).append('}');
        }
        assertThat(http.post("/topics/" + topic + "/partitions/0/records", body.append("]}").toString()).status()).isEqualTo(200);
        assertThat(commit(group, null, 0, new TopicPartition(topic, 0), 3).status()).isEqualTo(200);

        assertThat(reset(group, Map.of("topic", topic, "to", "earliest"))).isEqualTo(0);
        assertThat(reset(group, Map.of("topic", topic, "to", "latest"))).isEqualTo(10);
        assertThat(reset(group, Map.of("topic", topic, "to", "timestamp", "timestamp", "2026-01-01T00:00:06.000Z"))).isEqualTo(6);
        assertThat(reset(group, Map.of("topic", topic, "to", "timestamp", "timestamp", t0 + 3500))).isEqualTo(4);
        assertThat(reset(group, Map.of("topic", topic, "to", "offset", "offset", 7))).isEqualTo(7);
        assertThat(http.get("/groups/" + group).json().path("offsets").get(0).path("committedOffset").asLong()).isEqualTo(7);

        String member = joinId(group, topic, 30_000, "latest");
        assertThat(readAll(group, member, "", 3)).extracting(Rec::offset).containsExactly(7L, 8L, 9L);
        leave(group, member);
    }

    private long reset(String group, Map<String, Object> body) {
        Response r = http.post("/groups/" + group + "/offsets/reset", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().path("offsets").get(0).path("committedOffset").asLong();
    }

    @Test
    void deletingAGroupForgetsItsOffsets() {
        String topic = unique("del");
        String group = unique("del");
        http.createTopic(topic, 1);
        http.produce(topic, 0, values("v", 10));
        assertThat(commit(group, null, 0, new TopicPartition(topic, 0), 6).status()).isEqualTo(200);
        assertThat(http.get("/groups").json().path("groups").findValuesAsString("group")).contains(group);
        assertThat(lagMetric(group, topic, 0)).isEqualTo(4.0);

        assertThat(http.delete("/groups/" + group).status()).isEqualTo(204);

        assertProblem(http.get("/groups/" + group), 404, "GROUP_NOT_FOUND");
        assertThat(http.get("/groups").json().path("groups").findValuesAsString("group")).doesNotContain(group);
        assertThat(lagMetric(group, topic, 0)).isNull();
        String member = joinId(group, topic, 30_000, "earliest");
        assertThat(readAll(group, member, "?limit=1", 1)).extracting(Rec::offset).containsExactly(0L);
        leave(group, member);
    }

}
