package io.runnel.stream;

import io.runnel.connect.ConnectorPlugin;
import io.runnel.connect.ConnectorType;
import io.runnel.connect.InternalConnectors;
import io.runnel.connect.Task;
import io.runnel.connect.TaskContext;
import io.runnel.error.RunnelException;
import io.runnel.security.Access;
import io.runnel.security.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code connector.class=stream}: the internal plugin that runs streams on the connector runtime. A stream named
 * {@code n} is the connector {@code stream.n} ({@link #connectorOf}), its definition the connector's config
 * ({@link StreamDefinition#toConfig}), its progress the group {@code connect-stream.n}; {@code /connectors} neither
 * shows nor accepts these ({@link #internalPrefix}), {@code /streams} does ({@link StreamController}). Stateless.
 */
@Component
class StreamPlugin implements ConnectorPlugin {
    static final String CLASS_NAME = "stream";
    static final String PREFIX = "stream.";
    /** The config key of the stream's incarnation: set when the stream is created, kept by changes. */
    static final String INCARNATION = "incarnation";
    private final JsonMapper json;

    StreamPlugin(JsonMapper json) {
        this.json = json;
    }

    static String connectorOf(String stream) {
        return PREFIX + stream;
    }

    static String groupOf(String stream) {
        return InternalConnectors.groupOf(connectorOf(stream));
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** It writes into this cluster's topics. */
    @Override
    public ConnectorType type() {
        return ConnectorType.SOURCE;
    }

    @Override
    public String internalPrefix() {
        return PREFIX;
    }

    @Override
    public Map<String, String> validate(Map<String, String> config) {
        try {
            StreamEvaluators.compile(StreamDefinition.fromConfig(config));
            return Map.of();
        } catch (RunnelException e) {
            return Map.of("stream", e.getMessage());
        }
    }

    @Override
    public boolean isSecret(String key) {
        return false;
    }

    /**
     * {@code READ} on the input and on the progress group, {@code WRITE} on a literal output and on the dead-letter
     * topic. A routed output is checked by the API at each write: a refusal stops the stream {@code FAILED}.
     */
    @Override
    public List<Access> requiredAccess(String connector, Map<String, String> config) {
        StreamDefinition d = StreamDefinition.fromConfig(config);
        List<Access> required = new ArrayList<>();
        required.add(Access.topic(Operation.READ, d.from()));
        required.add(Access.group(Operation.READ, InternalConnectors.groupOf(connector)));
        if (d.literalTo()) {
            required.add(Access.topic(Operation.WRITE, d.to()));
        }
        d.deadLetters().ifPresent(t -> required.add(Access.topic(Operation.WRITE, t)));
        return required;
    }

    @Override
    public Task start(TaskContext context) {
        StreamDefinition d = StreamDefinition.fromConfig(context.config());
        String name = context.connector().substring(PREFIX.length());
        StreamContext ctx = new StreamContext(name, context.config().getOrDefault(INCARNATION, ""), d, StreamEvaluators.compile(d), context.group(), context.api(), json, context.reporter(),
                context.meters(), context.scheduler());
        StreamTask task = new StreamTask(context, ctx);
        task.start();
        return task;
    }
}
