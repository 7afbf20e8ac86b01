package io.runnel.cluster;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The membership calls between instances (cluster secret required, {@link InternalSecretFilter}):
 * <ul>
 * <li>{@code GET /internal/cluster/membership}: this instance's {@link MembershipView}, so an instance
 *     without Raft storage can tell whether a cluster exists ({@link PeerDiscovery}). Answered also while
 *     this instance is itself still starting.
 * <li>{@code POST /internal/cluster/members} {@link JoinRequest}: add the caller to the quorum. The
 *     controller does it ({@link ClusterNode#admit}); any other instance forwards the call to the
 *     controller once. {@code 204} when done, {@code 503} (ask again) otherwise.
 * </ul>
 */
@RestController
class InternalMembershipController {
    private final ClusterNode cluster;
    private final InternalClient internal;

    InternalMembershipController(ClusterNode cluster, InternalClient internal) {
        this.cluster = cluster;
        this.internal = internal;
    }

    @GetMapping(path = PeerDiscovery.MEMBERSHIP_PATH, produces = MediaType.APPLICATION_JSON_VALUE)
    byte[] membership() {
        return MetadataJson.write(cluster.membershipView());
    }

    @PostMapping(path = PeerDiscovery.MEMBERS_PATH, consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Void> join(@RequestBody byte[] body, jakarta.servlet.http.HttpServletRequest http) {
        JoinRequest request = MetadataJson.read(body, JoinRequest.class);
        if (cluster.isController()) {
            cluster.admit(request);
            return ResponseEntity.noContent().build();
        }
        String controller = cluster.controllerId().orElseThrow(() -> new RunnelException(ErrorCode.CONTROLLER_NOT_AVAILABLE,
                "no controller now; ask again"));
        if (http.getHeader(InternalClient.FORWARDED_BY_HEADER) != null && controller.equals(http.getHeader(InternalClient.FORWARDED_BY_HEADER))) {
            throw new RunnelException(ErrorCode.CONTROLLER_NOT_AVAILABLE, "the controller is changing; ask again");
        }
        try {
            HttpResponse<byte[]> answer = internal.send(controller, "POST", PeerDiscovery.MEMBERS_PATH, body,
                    MediaType.APPLICATION_JSON_VALUE, Duration.ofSeconds(30)).get(35, TimeUnit.SECONDS);
            if (answer.statusCode() / 100 != 2) {
                throw new RunnelException(ErrorCode.CONTROLLER_NOT_AVAILABLE, "the controller " + controller + " answered "
                        + answer.statusCode() + ": " + new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8));
            }
            return ResponseEntity.noContent().build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunnelException(ErrorCode.CONTROLLER_NOT_AVAILABLE, "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new RunnelException(ErrorCode.CONTROLLER_NOT_AVAILABLE, "cannot reach the controller " + controller + ": " + e.getMessage());
        }
    }
}
