package io.runnel.connect.mirror;

import io.runnel.connect.ConnectorPlugin;
import io.runnel.connect.ConnectorType;
import io.runnel.connect.Task;
import io.runnel.connect.TaskContext;
import io.runnel.security.Access;
import io.runnel.security.Operation;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code connector.class=mirror-source}, Runnel's MirrorMaker: copies topics of another Runnel cluster into this one,
 * exactly once, and translates consumer groups' committed offsets (see {@link MirrorTask}, {@link PartitionMirror},
 * {@link Checkpoints}; the config is {@link MirrorConfig}). A source connector: the runtime checks none of its keys
 * but its own. {@code source.api-key} is a secret. Stateless: every task has its own HTTP client to the source.
 */
@Component
class MirrorSourcePlugin implements ConnectorPlugin {
    static final String CLASS_NAME = "mirror-source";
    private final JsonMapper json;

    MirrorSourcePlugin(JsonMapper json) {
        this.json = json;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public ConnectorType type() {
        return ConnectorType.SOURCE;
    }

    @Override
    public Map<String, String> validate(Map<String, String> config) {
        return MirrorConfig.validate(config);
    }

    @Override
    public boolean isSecret(String key) {
        return MirrorConfig.API_KEY.equals(key);
    }

    /**
     * With a topic list: {@code WRITE} on each copy (creating or growing a copy is checked when it is done, and a
     * copy made in advance needs neither). A regex names no topic in advance.
     */
    @Override
    public List<Access> requiredAccess(String connector, Map<String, String> config) {
        if (!MirrorConfig.validate(config).isEmpty()) {
            return List.of();
        }
        MirrorConfig c = MirrorConfig.parse(config);
        return c.topics().stream().map(t -> Access.topic(Operation.WRITE, c.targetTopic(t))).toList();
    }

    @Override
    public Task start(TaskContext context) {
        MirrorConfig config = MirrorConfig.parse(context.config());
        MirrorLinks links = new MirrorLinks(MirrorLinks.sourceClient(), config.sourceUrl(), config.apiKey(), context.api(), json);
        MirrorTask task = new MirrorTask(context, config, links);
        task.start();
        return task;
    }
}
