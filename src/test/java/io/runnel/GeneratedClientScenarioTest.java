package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runnel.client.ApiClient;
import io.runnel.client.ApiException;
import io.runnel.client.api.ConsumerGroupsApi;
import io.runnel.client.api.FetchApi;
import io.runnel.client.api.ProduceApi;
import io.runnel.client.api.TopicsApi;
import io.runnel.client.model.CommitRequest;
import io.runnel.client.model.CreateTopicRequest;
import io.runnel.client.model.FetchResponse;
import io.runnel.client.model.FetchedRecord;
import io.runnel.client.model.GroupRecord;
import io.runnel.client.model.GroupView;
import io.runnel.client.model.JoinRequest;
import io.runnel.client.model.MemberRecords;
import io.runnel.client.model.Membership;
import io.runnel.client.model.OffsetAnswer;
import io.runnel.client.model.OffsetCommit;
import io.runnel.client.model.Problem;
import io.runnel.client.model.ProduceRecord;
import io.runnel.client.model.ProduceRequest;
import io.runnel.client.model.ProduceResponse;
import io.runnel.client.model.TopicDescription;
import io.runnel.client.model.UpdateTopicRequest;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The README walkthrough through the Java client that the build generates from the API document
 * ({@code openapi-generator}, {@code java} / {@code native}): every answer and problem parses into
 * the client's types. Values are arbitrary JSON ({@code Object}); with
 * {@link DeserializationFeature#USE_BIG_DECIMAL_FOR_FLOATS} on the client's mapper they come back
 * as {@link BigDecimal} with every digit, as the README's "Generated clients" section says.
 */
class GeneratedClientScenarioTest extends HttpScenarioTest {
    private TopicsApi topics;
    private ProduceApi produce;
    private FetchApi fetch;
    private ConsumerGroupsApi groups;
    private ObjectMapper mapper;

    @BeforeEach
    void client() {
        ApiClient client = new ApiClient();
        client.updateBaseUri("http://localhost:" + port);
        mapper = ApiClient.createDefaultObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        client.setObjectMapper(mapper);
        topics = new TopicsApi(client);
        produce = new ProduceApi(client);
        fetch = new FetchApi(client);
        groups = new ConsumerGroupsApi(client);
    }

    @Test
    void readmeWalkthroughThroughTheGeneratedClient() throws ApiException {
        String topic = "client-orders";
        TopicDescription created = topics.createTopic(new CreateTopicRequest().name(topic).partitions(3)
                .configs(Map.of("retention.ms", "86400000")));
        assertThat(created.getPartitions()).hasSize(3);
        assertThat(created.getConfigs()).containsEntry("retention.ms", "86400000");

        BigDecimal exact = new BigDecimal("12345678901234567890.123456789012345678901234567890");
        OffsetDateTime time = OffsetDateTime.parse("2026-11-28T03:00:00.000Z");
        ProduceResponse produced = produce.produce(topic, new ProduceRequest().records(List.of(
                new ProduceRecord().key("customer-42").value(Map.of("amount", new BigDecimal("12.50"))).headers(Map.of("source", "web")),
                new ProduceRecord().key("x").value(List.of(1, 2)).partition(2).timestamp(time))), "all", null);
        assertThat(produced.getResults()).hasSize(2);
        assertThat(produced.getResults().get(1).getPartition()).isEqualTo(2);
        assertThat(produced.getResults().get(1).getTimestamp()).isEqualTo(time);

        ProduceResponse toPartition = produce.produceToPartition(topic, 0,
                new ProduceRequest().records(List.of(new ProduceRecord().value(exact))), null, null);
        assertThat(toPartition.getResults().get(0).getPartition()).isZero();
        long exactOffset = toPartition.getResults().get(0).getOffset();
        assertThat(produce.produceWithHttpInfo(topic, new ProduceRequest().records(List.of(new ProduceRecord().value(7))), "none", null)
                .getStatusCode()).isEqualTo(202);

        FetchResponse partition2 = fetch.fetchRecords(topic, 2, "earliest", null, 100, null, null);
        assertThat(partition2.getRecords()).extracting(FetchedRecord::getKey).contains("x");
        FetchedRecord x = partition2.getRecords().stream().filter(r -> "x".equals(r.getKey())).findFirst().orElseThrow();
        assertThat(x.getValue()).isEqualTo(List.of(1, 2));
        assertThat(x.getTimestamp()).isEqualTo(time);
        FetchResponse partition0 = fetch.fetchRecords(topic, 0, Long.toString(exactOffset), null, 1, null, null);
        assertThat(partition0.getRecords().get(0).getValue()).as("every digit survives").isEqualTo(exact);

        OffsetAnswer byTime = fetch.offsetForTimestamp(topic, 2, time.minusHours(1));
        assertThat(byTime.getOffset()).isZero();
        assertThat(byTime.getTimestamp()).isEqualTo(time);

        Map<String, String> reset = new HashMap<>();
        reset.put("retention.ms", null); // back to the default, Kafka's 7 days
        assertThat(topics.updateTopic(topic, new UpdateTopicRequest().configs(reset)).getConfigs())
                .containsEntry("retention.ms", "604800000");

        Membership member = groups.joinGroup("client-billing", new JoinRequest().topics(List.of(topic)).autoOffsetReset("earliest"));
        assertThat(member.getAssignment()).hasSize(3);
        MemberRecords read = groups.readMemberRecords("client-billing", member.getMemberId(), 0, 100, null, null);
        assertThat(read.getRecords()).extracting(GroupRecord::getTopic).containsOnly(topic);
        assertThat(read.getRecords()).extracting(GroupRecord::getValue).contains(Map.of("amount", new BigDecimal("12.50")), exact);
        GroupRecord last = read.getRecords().get(read.getRecords().size() - 1);
        groups.commitOffsets("client-billing", new CommitRequest().memberId(member.getMemberId()).generation(member.getGeneration())
                .offsets(List.of(new OffsetCommit().topic(topic).partition(last.getPartition()).offset(last.getOffset() + 1))));
        GroupView group = groups.describeGroup("client-billing");
        assertThat(group.getOffsets()).anySatisfy(o -> {
            assertThat(o.getPartition()).isEqualTo(last.getPartition());
            assertThat(o.getCommittedOffset()).isEqualTo(last.getOffset() + 1);
        });
        groups.leaveGroup("client-billing", member.getMemberId());

        ApiException missing = catchThrowableOfType(ApiException.class, () -> fetch.fetchRecords("nope", 0, null, null, null, null, null));
        assertThat(missing.getCode()).isEqualTo(404);
        Problem problem = parse(missing);
        assertThat(problem.getCode()).isEqualTo("TOPIC_NOT_FOUND");
        assertThat(problem.getTopic()).isEqualTo("nope");
        assertThat(problem.getStatus()).isEqualTo(404);

        ApiException outOfRange = catchThrowableOfType(ApiException.class, () -> fetch.fetchRecords(topic, 2, "999", null, null, null, null));
        Problem range = parse(outOfRange);
        assertThat(range.getCode()).isEqualTo("OFFSET_OUT_OF_RANGE");
        assertThat(range.getHighWatermark()).isEqualTo(1L);
        assertThat(range.getLogStartOffset()).isZero();

        topics.deleteTopic(topic);
        assertThat(catchThrowableOfType(ApiException.class, () -> topics.describeTopic(topic)).getCode()).isEqualTo(404);
    }

    private Problem parse(ApiException e) {
        try {
            return mapper.readValue(e.getResponseBody(), Problem.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException json) {
            throw new AssertionError("not a problem detail: " + e.getResponseBody(), json);
        }
    }
}
