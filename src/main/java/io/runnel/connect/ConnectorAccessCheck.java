package io.runnel.connect;

import io.runnel.cluster.ConnectorMetadata;
import io.runnel.security.Access;
import io.runnel.security.AclAuthorizer;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks, after every change of keys or ACLs, that each connector's creator still has the rights the
 * connector needs, and fails the connector's tasks running here when not (a restart after the rights are
 * given back starts them again). Every call a task makes is authorized as its creator anyway, so a revoked
 * right also takes effect on the task's next call; this makes the reason plain in the status at once.
 *
 * <p>A sink needs {@code READ} on each of its topics and on its group; a plugin may need more
 * ({@link ConnectorPlugin#requiredAccess}). Thread-safe (reads only).
 */
final class ConnectorAccessCheck {
    private final ConnectorStore store;
    private final ConnectorWorker worker;
    private final AclAuthorizer authorizer;

    ConnectorAccessCheck(ConnectorStore store, ConnectorWorker worker, AclAuthorizer authorizer) {
        this.store = store;
        this.worker = worker;
        this.authorizer = authorizer;
    }

    void check() {
        for (ConnectorMetadata c : store.state().connectors().values()) {
            if (c.paused()) {
                continue;
            }
            missing(c).ifPresent(access -> worker.failConnector(c.name(), "the connector's creator " + c.creator()
                    + " is no longer allowed " + access.operation() + " on " + access.resourceType() + " '" + access.resourceName()
                    + "'; grant it and restart the connector"));
        }
    }

    /** The first right {@code c}'s creator lacks, if any. */
    Optional<Access> missing(ConnectorMetadata c) {
        KafkaPrincipal creator = KafkaPrincipal.parse(c.creator());
        return required(c).stream().filter(a -> !authorizer.authorize(creator, a)).findFirst();
    }

    private List<Access> required(ConnectorMetadata c) {
        List<Access> required = new ArrayList<>();
        Optional<ConnectorPlugin> plugin = worker.plugin(c.config().getOrDefault(ConnectorConfigs.CLASS, ""));
        if (plugin.isEmpty()) {
            return required;
        }
        if (plugin.get().type() == ConnectorType.SINK) {
            ConnectorConfigs.topicsOf(c.config()).forEach(t -> required.add(Access.topic(Operation.READ, t)));
            required.add(Access.group(Operation.READ, ConnectorWorker.groupOf(c.name())));
        }
        required.addAll(plugin.get().requiredAccess(c.name(), c.config()));
        return required;
    }
}
