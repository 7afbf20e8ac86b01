package io.runnel.produce;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.HttpScenarioTest;
import io.runnel.HttpTestClient;
import io.runnel.topic.Partitioner;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Producing over real HTTP: exact bytes back, Kafka's partitioning, acks and idempotent retries. */
class ProduceScenarioTest extends HttpScenarioTest {

    /** A record of the mixed batch: its JSON text in the request, and what a fetch must return for it. */
    private record Sent(String json, String key, String value, String headers) {
    }

    @Test
    void mixedRecordsComeBackExactlyAsWritten() {
        createTopic("mixed", 3);
        List<Sent> sent = List.of(
                new Sent("{\"key\":\"customer-42\",\"value\":{\"amount\":12.50,\"currency\":\"EUR\"},\"headers\":{\"source\":\"web\",\"trace\":\"a\\\"b\"},\"partition\":1}",
                        "\"customer-42\"", "{\"amount\":12.50,\"currency\":\"EUR\"}", "{\"source\":\"web\",\"trace\":\"a\\\"b\"}"),
                new Sent("{\"key\":{\"id\":7,\"region\":\"eu\"},\"value\":0.1000000000000000055511151231257827,\"partition\":1}",
                        "{\"id\":7,\"region\":\"eu\"}", "0.1000000000000000055511151231257827", "{}"),
                new Sent("{\"key\":42,\"value\":123456789012345678901234567890,\"partition\":1}",
                        "42", "123456789012345678901234567890", "{}"),
                new Sent("{\"key\":true,\"value\":\"tab\\there \\\"quoted\\\" back\\\\slash \\u00e9 \\ud83d\\ude00 é 日本 \\/\",\"partition\":1}",
                        "true", "\"tab\\there \\\"quoted\\\" back\\\\slash \\u00e9 \\ud83d\\ude00 é 日本 \\/\"", "{}"),
                new Sent("{\"key\":null,\"value\":{\"z\":1,\"a\":2,\"m\":[3,{\"y\":null,\"b\":false}]},\"headers\":{},\"partition\":1}",
                        "null", "{\"z\":1,\"a\":2,\"m\":[3,{\"y\":null,\"b\":false}]}", "{}"),
                new Sent("{\"key\":\"gone\",\"value\":null,\"partition\":1}", "\"gone\"", "null", "{}"),
                new Sent("{\"value\":[1,2.0,-0,1E+2,1e400,-0.0],\"partition\":1,\"timestamp\":\"2026-11-28T03:00:00.000Z\"}",
                        "null", "[1,2.0,-0,1E+2,1e400,-0.0]", "{}"),
                new Sent("{\"value\":12.50,\"partition\":1,\"timestamp\":1700000000123}", "null", "12.50", "{}"),
                new Sent("{\"value\":false,\"partition\":1}", "null", "false", "{}"),
                new Sent("{\"value\":\"\",\"headers\":{\"empty\":\"\",\"ünï\":\"çødé\"},\"partition\":1}",
                        "null", "\"\"", "{\"empty\":\"\",\"ünï\":\"çødé\"}"));
        StringBuilder body = new StringBuilder("{\"records\":[");
        sent.forEach(s -> body.append(body.length() > 12 ? "," : "").append(s.json()));
        JsonNode results = produce("mixed", body.append("]}").toString());

        assertThat(results).hasSize(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            assertThat(results.get(i).path("partition").asInt()).isEqualTo(1);
            assertThat(results.get(i).path("offset").asLong()).isEqualTo(i);
            assertThat(results.get(i).path("timestamp").asString()).matches(TIMESTAMP_FORM);
        }
        assertThat(results.get(6).path("timestamp").asString()).isEqualTo("2026-11-28T03:00:00.000Z");
        assertThat(results.get(7).path("timestamp").asString()).isEqualTo("2023-11-14T22:13:20.123Z");
        assertThat(highWatermarks("mixed")).containsExactly(0, sent.size(), 0);

        HttpTestClient.Response fetched = fetch("mixed", 1, "?offset=0");
        assertThat(fetched.contentType()).startsWith("application/json");
        JsonNode envelope = fetched.json();
        assertThat(envelope.path("topic").asString()).isEqualTo("mixed");
        assertThat(envelope.path("partition").asInt()).isEqualTo(1);
        assertThat(envelope.path("nextOffset").asLong()).isEqualTo(sent.size());
        assertThat(envelope.path("highWatermark").asLong()).isEqualTo(sent.size());
        assertThat(envelope.path("logStartOffset").asLong()).isZero();
        List<Map<String, String>> records = rawRecords(fetched.body());
        assertThat(records).hasSize(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            Map<String, String> record = records.get(i);
            assertThat(record.get("offset")).isEqualTo(Integer.toString(i));
            assertThat(record.get("timestamp")).isEqualTo("\"" + results.get(i).path("timestamp").asString() + "\"");
            assertThat(record.get("key")).as("key of record %d", i).isEqualTo(sent.get(i).key());
            assertThat(record.get("value")).as("value of record %d", i).isEqualTo(sent.get(i).value());
            assertThat(record.get("headers")).as("headers of record %d", i).isEqualTo(sent.get(i).headers());
        }

        List<Map<String, String>> page = rawRecords(fetch("mixed", 1, "?offset=2&limit=3").body());
        assertThat(page).extracting(r -> r.get("offset")).containsExactly("2", "3", "4");
        assertThat(fetch("mixed", 1, "?offset=2&limit=3").json().path("nextOffset").asLong()).isEqualTo(5);
    }

    @Test
    void insignificantWhitespaceMayGoButNothingElseChanges() {
        createTopic("spaced", 1);
        produce("spaced", "{ \"records\" : [ { \"key\" : { \"b\" : 1 , \"a\" : [ 1 , 2 ] } , \"value\" : { \"n\" : 1.10 , \"s\" : \"a  b\" } ,"
                + " \"headers\" : { \"h\" : \"x y\" } } ] }");
        Map<String, String> record = rawRecords(fetch("spaced", 0, "").body()).get(0);
        assertThat(record.get("key")).isEqualTo("{\"b\":1,\"a\":[1,2]}");
        assertThat(withoutWhitespaceOutsideStrings(record.get("value"))).isEqualTo("{\"n\":1.10,\"s\":\"a  b\"}");
        assertThat(withoutWhitespaceOutsideStrings(record.get("headers"))).isEqualTo("{\"h\":\"x y\"}");
    }

    private static String withoutWhitespaceOutsideStrings(String json) {
        String[] parts = json.split("\"", -1); // the values this is used on hold no escaped quote
        for (int i = 0; i < parts.length; i += 2) {
            parts[i] = parts[i].replaceAll("\\s", "");
        }
        return String.join("\"", parts);
    }

    @Test
    void keyedRecordsLandWhereKafkasDefaultPartitionerPutsThem() {
        createTopic("keyed", 6);
        // key as sent → the bytes Kafka's partitioner hashes (a string's UTF-8, else the compact JSON)
        List<String[]> keys = new ArrayList<>(List.of(
                new String[] {"\"customer-42\"", "customer-42"},
                new String[] {"{ \"a\" : 1 }", "{\"a\":1}"},
                new String[] {"42", "42"},
                new String[] {"true", "true"},
                new String[] {"\"héllo\"", "héllo"},
                new String[] {"\"\\u65e5\\u672c\\u8a9e\"", "日本語"},
                new String[] {"[1,2]", "[1,2]"},
                new String[] {"\"\"", ""}));
        for (int i = 0; i < 24; i++) {
            keys.add(new String[] {"\"user-" + i + "\"", "user-" + i});
        }
        StringBuilder body = new StringBuilder("{\"records\":[");
        for (int i = 0; i < keys.size(); i++) {
            body.append(i == 0 ? "" : ",").append("{\"key\":").append(keys.get(i)[0]).append(",\"value\":").append(i).append("}");
        }
        JsonNode results = produce("keyed", body.append("]}").toString());

        // Kafka's own answers for 6 partitions (see PartitionerTest): customer-42 → 3, {"a":1} → 5, 42 → 4, true → 4, héllo → 0, 日本語 → 4
        assertThat(List.of(0, 1, 2, 3, 4, 5)).extracting(i -> results.get(i).path("partition").asInt()).containsExactly(3, 5, 4, 4, 0, 4);
        for (int i = 0; i < keys.size(); i++) {
            int expected = Partitioner.partitionForKey(keys.get(i)[1].getBytes(StandardCharsets.UTF_8), 6);
            JsonNode result = results.get(i);
            assertThat(result.path("partition").asInt()).as("partition of key %s", keys.get(i)[0]).isEqualTo(expected);
            Map<String, String> stored = rawRecords(fetch("keyed", expected, "?offset=" + result.path("offset").asLong() + "&limit=1").body()).get(0);
            assertThat(stored.get("value")).isEqualTo(Integer.toString(i));
        }
        JsonNode again = produce("keyed", "{\"records\":[{\"key\":\"customer-42\",\"value\":\"again\"}]}");
        assertThat(again.get(0).path("partition").asInt()).isEqualTo(3);
    }

    @Test
    void nullKeysAreSpreadRoundRobin() {
        createTopic("spread", 3);
        JsonNode first = produce("spread", "{\"records\":[{\"value\":0},{\"key\":null,\"value\":1},{\"value\":2},"
                + "{\"value\":3},{\"key\":null,\"value\":4},{\"value\":5}]}");
        JsonNode second = produce("spread", "{\"records\":[{\"value\":6},{\"value\":7},{\"value\":8}]}");
        List<Integer> partitions = new ArrayList<>();
        first.forEach(r -> partitions.add(r.path("partition").asInt()));
        second.forEach(r -> partitions.add(r.path("partition").asInt()));
        for (int i = 1; i < partitions.size(); i++) {
            assertThat(Math.floorMod(partitions.get(i) - partitions.get(i - 1), 3)).as("step from record %d in %s", i, partitions).isEqualTo(1);
        }
        assertThat(highWatermarks("spread")).containsExactly(3, 3, 3);
    }

    @Test
    void acksNoneAnswers202WithoutOffsetsAndAcksLeaderAnswersWithThem() {
        createTopic("acks", 1);
        HttpTestClient.Response none = http.post("/topics/acks/records?acks=none", "{\"records\":[{\"value\":1}]}");
        assertThat(none.status()).isEqualTo(202);
        assertThat(none.body()).doesNotContain("offset");
        assertThat(highWatermarks("acks")).containsExactly(1);
        HttpTestClient.Response leader = http.post("/topics/acks/records?acks=leader", "{\"records\":[{\"value\":2}]}");
        assertThat(leader.status()).as(leader.body()).isEqualTo(200);
        assertThat(leader.json().path("results").get(0).path("offset").asLong()).isEqualTo(1);
        HttpTestClient.Response all = http.post("/topics/acks/partitions/0/records?acks=all", "{\"records\":[{\"value\":3}]}");
        assertThat(all.json().path("results").get(0).path("offset").asLong()).isEqualTo(2);
    }

    @Test
    void replayedIdempotencyKeyReturnsTheFirstAnswerAndWritesOnce() {
        createTopic("idem", 2);
        String body = "{\"records\":[{\"key\":\"a\",\"value\":1},{\"key\":\"b\",\"value\":2},{\"value\":3}]}";
        HttpRequest.Builder request = http.request("/topics/idem/records").header("Content-Type", "application/json")
                .header("Idempotency-Key", "order-7").POST(HttpRequest.BodyPublishers.ofString(body));
        HttpTestClient.Response first = http.send(request.build());
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.header("Idempotent-Replayed")).isNull();
        long written = LongStream.of(highWatermarks("idem")).sum();
        assertThat(written).isEqualTo(3);

        for (int replay = 0; replay < 2; replay++) {
            HttpTestClient.Response again = http.send(request.build());
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
            assertThat(again.json()).isEqualTo(first.json());
            assertThat(LongStream.of(highWatermarks("idem")).sum()).isEqualTo(written);
        }

        HttpTestClient.Response otherKey = http.send(http.request("/topics/idem/records").header("Content-Type", "application/json")
                .header("Idempotency-Key", "order-8").POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertThat(otherKey.status()).isEqualTo(200);
        assertThat(otherKey.header("Idempotent-Replayed")).isNull();
        assertThat(LongStream.of(highWatermarks("idem")).sum()).isEqualTo(2 * written);
    }

    @Test
    void concurrentIdenticalIdempotentRequestsWriteOnceAndGetOneAnswer() {
        createTopic("idem-race", 3);
        String body = "{\"records\":[{\"key\":\"a\",\"value\":1},{\"value\":2},{\"value\":3},{\"key\":\"b\",\"value\":4}]}";
        List<java.util.concurrent.CompletableFuture<HttpTestClient.Response>> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            answers.add(http.sendAsync(http.request("/topics/idem-race/records").header("Content-Type", "application/json")
                    .header("Idempotency-Key", "race-1").POST(HttpRequest.BodyPublishers.ofString(body)).build()));
        }
        List<JsonNode> results = new ArrayList<>();
        for (var answer : answers) {
            HttpTestClient.Response r = answer.join();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            results.add(r.json().path("results"));
        }
        assertThat(results).allSatisfy(r -> assertThat(r).isEqualTo(results.get(0)));
        assertThat(LongStream.of(highWatermarks("idem-race")).sum()).as("written once").isEqualTo(4);
    }

    @Test
    void chunkedBodyAboveTheLimitIs413RequestTooLarge() {
        createTopic("chunked", 1);
        StringBuilder many = new StringBuilder("{\"records\":[{\"value\":0}");
        while (many.length() <= 2 * MAX_REQUEST_BYTES) {
            many.append(",{\"value\":0}");
        }
        byte[] body = many.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        // ofInputStream has no known length, so the body goes chunked, without Content-Length
        HttpTestClient.Response response = http.send(http.request("/topics/chunked/records").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build());
        assertThat(response.status()).as(response.body()).isEqualTo(413);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().path("code").asString()).isEqualTo("REQUEST_TOO_LARGE");
        assertThat(highWatermarks("chunked")).containsExactly(0);
    }
}
