package io.runnel.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.cluster.ConnectorMetadata;
import io.runnel.cluster.MetadataCommand.DeleteConnector;
import io.runnel.cluster.MetadataCommand.FailConnectorTask;
import io.runnel.cluster.MetadataCommand.PutConnector;
import io.runnel.cluster.MetadataCommand.SetConnectorTargetState;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

class LocalConnectorStoreTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Map<String, String> CONFIG = Map.of("connector.class", "recording", "topics", "t", "secret", "s3cret");

    @TempDir
    Path dir;

    @Test
    void everyTaskIsPlacedOnTheNodeAndDefinitionsSurviveAReopen() throws Exception {
        Path file = dir.resolve("meta/connectors.json");
        LocalConnectorStore store = new LocalConnectorStore(file, "n0", JSON);
        AtomicInteger changes = new AtomicInteger();
        store.onChange(changes::incrementAndGet);

        store.submit(new PutConnector("c", CONFIG, "User:alice", 2));
        store.submit(new SetConnectorTargetState("c", ConnectorMetadata.PAUSED));
        store.submit(new FailConnectorTask("c", 1, 1, "n0", "trace", 7));

        ConnectorMetadata c = store.state().connector("c").orElseThrow();
        assertThat(c.tasks()).extracting(ConnectorMetadata.TaskMetadata::instance).containsExactly("n0", "n0");
        assertThat(changes).hasValue(3);
        assertThat(new LocalConnectorStore(file, "n0", JSON).state()).isEqualTo(store.state());
    }

    @Test
    void aDataDirOfANodeWithAnotherIdPlacesTasksOnThisOne() throws Exception {
        Path file = dir.resolve("connectors.json");
        new LocalConnectorStore(file, "old", JSON).submit(new PutConnector("c", CONFIG, "User:alice", 1));

        LocalConnectorStore renamed = new LocalConnectorStore(file, "new", JSON);

        assertThat(renamed.state().connector("c").orElseThrow().tasks().get(0).instance()).isEqualTo("new");
    }

    @Test
    void aRefusedChangeThrowsItsCodeAndWritesNothing() throws Exception {
        Path file = dir.resolve("connectors.json");
        LocalConnectorStore store = new LocalConnectorStore(file, "n0", JSON);

        assertThatThrownBy(() -> store.submit(new DeleteConnector("nope"))).isInstanceOf(RunnelException.class)
                .extracting(e -> ((RunnelException) e).code()).isEqualTo(ErrorCode.CONNECTOR_NOT_FOUND);
        assertThat(Files.exists(file)).isFalse();
    }
}
