package io.runnel.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.cluster.MetadataCommand.CommitOffsets;
import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.DeleteGroup;
import io.runnel.cluster.MetadataCommand.DeleteTopic;
import io.runnel.cluster.MetadataCommand.InstanceHeartbeat;
import io.runnel.cluster.MetadataCommand.MarkInstanceOffline;
import io.runnel.cluster.MetadataCommand.OffsetCommit;
import io.runnel.cluster.MetadataCommand.SetPartitionState;
import io.runnel.cluster.MetadataCommand.UpdateTopic;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;

class MetadataJsonTest {

    @Test
    void everyCommandSurvivesAJsonRoundTrip() {
        Map<String, String> changes = new HashMap<>();
        changes.put("retention.ms", null);
        changes.put("segment.bytes", "2048");
        List<MetadataCommand> commands = List.of(
                new CreateTopic("orders", 3, 2, Map.of("retention.ms", "1000"), 1234),
                new UpdateTopic("orders", 6, changes),
                new UpdateTopic("orders", null, Map.of()),
                new DeleteTopic("orders"),
                new InstanceHeartbeat("runnel-0", "http://runnel-0:8080", 99),
                new MarkInstanceOffline("runnel-0", 99),
                new SetPartitionState("orders", 1, "runnel-1", 4, List.of("runnel-1", "runnel-2")),
                new CommitOffsets("g", List.of(new OffsetCommit("orders", 0, 58, "note"))),
                new DeleteGroup("g"),
                new MetadataCommand.BeginShutdown("runnel-0", 42),
                new MetadataCommand.DrainInstance("runnel-1"),
                new MetadataCommand.UndrainInstance("runnel-1"));

        for (MetadataCommand c : commands) {
            assertThat(MetadataJson.read(MetadataJson.write(c), MetadataCommand.class)).isEqualTo(c);
        }
    }

    @Test
    void commandsNameTheirTypeInJson() {
        String json = new String(MetadataJson.write(new DeleteTopic("orders")), StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("{\"type\":\"DeleteTopic\",\"name\":\"orders\"}");
    }

    @Test
    void unknownTypesAndMembersAreRefused() {
        assertThatThrownBy(() -> MetadataJson.read("{\"type\":\"Nope\"}".getBytes(), MetadataCommand.class))
                .isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> MetadataJson.read("{\"type\":\"DeleteTopic\",\"name\":\"t\",\"extra\":1}".getBytes(),
                MetadataCommand.class)).isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> MetadataJson.read("{\"type\":\"DeleteTopic\"}".getBytes(), MetadataCommand.class))
                .as("a missing name").isInstanceOf(JacksonException.class);
    }

    @Test
    void resultsSurviveAJsonRoundTrip() {
        ApplyResult result = ApplyResult.failure(ApplyResult.Code.TOPIC_NOT_FOUND, "topic 'x' does not exist");

        assertThat(MetadataJson.read(MetadataJson.write(result), ApplyResult.class)).isEqualTo(result);
    }

    @Test
    void recordsWithConvenienceConstructorsKeepEveryComponent() {
        MetadataCommand beat = new MetadataCommand.InstanceHeartbeat("n0", "http://n0", 5, 123456789L);
        assertThat(MetadataJson.read(MetadataJson.write(beat), MetadataCommand.class)).isEqualTo(beat);
        MetadataCommand move = new MetadataCommand.SetPartitionState("t", 0, "n1", 3, java.util.List.of("n1"), 7);
        assertThat(MetadataJson.read(MetadataJson.write(move), MetadataCommand.class)).isEqualTo(move);
        ClusterState state = ClusterStateTest.applyAll(ClusterState.EMPTY, beat,
                new MetadataCommand.CreateTopic("t", 1, 1, java.util.Map.of(), 1),
                new MetadataCommand.SetPartitionState("t", 0, "n0", 1, java.util.List.of("n0")));
        assertThat(state.topic("t").orElseThrow().partitions().get(0).partitionEpoch()).isEqualTo(1);
        assertThat(MetadataJson.read(MetadataJson.write(state), ClusterState.class)).isEqualTo(state);
    }

    @Test
    void anInstanceWrittenBeforeShutdownsWereAnnouncedReadsAsNotShuttingDown() {
        String old = "{\"id\":\"n0\",\"url\":\"http://n0\",\"lastHeartbeatMs\":5,\"online\":true,\"incarnation\":3}";

        InstanceMetadata read = MetadataJson.read(old.getBytes(StandardCharsets.UTF_8), InstanceMetadata.class);

        assertThat(read).isEqualTo(new InstanceMetadata("n0", "http://n0", 5, true, 3, false));
        assertThat(new String(MetadataJson.write(read), StandardCharsets.UTF_8)).as("written as before").isEqualTo(old);
        InstanceMetadata stopping = new InstanceMetadata("n0", "http://n0", 5, true, 3, true);
        assertThat(MetadataJson.read(MetadataJson.write(stopping), InstanceMetadata.class)).isEqualTo(stopping);
        InstanceMetadata draining = new InstanceMetadata("n0", "http://n0", 5, true, 3, false, true);
        assertThat(MetadataJson.read(MetadataJson.write(draining), InstanceMetadata.class)).isEqualTo(draining);
        assertThat(read.draining()).as("written before drains existed").isFalse();
    }
}
