package io.runnel.admin;

import io.runnel.api.ProblemResponses;
import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.ClusterState;
import io.runnel.cluster.MetadataCommand;
import io.runnel.cluster.NodeIdentity;
import io.runnel.cluster.ReplicaBalancer;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.security.ApiCall;
import io.runnel.security.RequiredAccess;
import io.runnel.security.web.Caller;
import io.runnel.security.web.Guard;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Draining instances and rebalancing replicas ({@code /cluster/instances/{id}/drain}, {@code /cluster/rebalance}).
 * Needs {@code ALTER} on the cluster. Any instance answers: plans come from the metadata as applied here
 * ({@link ReplicaBalancer}), and commands go to the quorum from here as topic creation's do; the controller does
 * the moving. On a single node there is nowhere to move to: a drain is refused, a rebalance plans nothing.
 *
 * <p>Stateless; thread-safe.
 */
@Tag(name = "Cluster", description = "Instances and the controller")
@RestController
class BalanceController {
    private static final Logger LOG = LoggerFactory.getLogger(BalanceController.class);

    private final NodeIdentity node;
    private final ClusterNode cluster;
    private final Guard guard;

    BalanceController(NodeIdentity node, ClusterNode cluster, Guard guard) {
        this.node = node;
        this.cluster = cluster;
        this.guard = guard;
    }

    /** One partition's replicas now ({@code from}) and as planned ({@code to}), the preferred leader first. */
    record MoveView(String topic, int partition, List<String> from, List<String> to) {
        static MoveView of(ReplicaBalancer.Move m) {
            return new MoveView(m.topic(), m.partition(), m.from(), m.to());
        }
    }

    /** A partition whose preferred leader (first replica) changes from one instance to another. */
    record LeadershipChangeView(String topic, int partition, String from, String to) {
    }

    /** A rebalance plan; {@code dryRun} false means its moves were submitted as reassignments. */
    record RebalanceView(boolean dryRun, List<MoveView> moves, List<LeadershipChangeView> leadershipChanges) {
    }

    /** A drain: the instance, its status, and the moves planned now (the controller plans again as it goes). */
    record DrainView(String instance, String status, List<MoveView> moves, List<LeadershipChangeView> leadershipChanges) {
    }

    @Operation(operationId = "drainInstance", summary = "Drain an instance",
            description = "Marks the instance draining: it gets no new replica and no leadership (also after a restart), and the "
                    + "controller moves its leaderships, then its replicas (as reassignments), to the other instances with the "
                    + "fewest replicas. GET /cluster shows it draining, then drained once it holds no replica. Refused when the "
                    + "other instances that can take replicas are fewer than the largest replication factor (or none, as on a "
                    + "single node). The answer shows the moves planned now.",
            responses = @ApiResponse(responseCode = "202", description = "Draining"))
    @ProblemResponses({ErrorCode.INSTANCE_NOT_FOUND, ErrorCode.CANNOT_DRAIN, ErrorCode.CONTROLLER_NOT_AVAILABLE,
            ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @PostMapping("/cluster/instances/{id}/drain")
    ResponseEntity<DrainView> drain(@PathVariable String id, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DRAIN_INSTANCE));
        if (!cluster.clustered()) {
            requireSelf(id);
            throw new RunnelException(ErrorCode.CANNOT_DRAIN, "'" + id + "' is a single node: there is no other instance to move "
                    + "its replicas to");
        }
        cluster.submit(new MetadataCommand.DrainInstance(id));
        ClusterState after = cluster.state();
        ReplicaBalancer.Plan plan = ReplicaBalancer.drain(after, id);
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(new DrainView(id, after.statusOf(id).apiName(), moves(plan),
                leadershipChanges(plan)));
    }

    @Operation(operationId = "undrainInstance", summary = "Stop draining an instance",
            description = "The instance may take replicas and leaderships again; reassignments already submitted go on (cancel "
                    + "them with their own call). Succeeds for an instance that is not draining.",
            responses = @ApiResponse(responseCode = "204", description = "Not draining"))
    @ProblemResponses({ErrorCode.INSTANCE_NOT_FOUND, ErrorCode.CONTROLLER_NOT_AVAILABLE, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @DeleteMapping("/cluster/instances/{id}/drain")
    ResponseEntity<Void> undrain(@PathVariable String id, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DRAIN_INSTANCE));
        if (!cluster.clustered()) {
            requireSelf(id);
            return ResponseEntity.noContent().build();
        }
        cluster.submit(new MetadataCommand.UndrainInstance(id));
        return ResponseEntity.noContent().build();
    }

    @Operation(operationId = "rebalanceCluster", summary = "Even out replicas and preferred leaderships",
            description = "Plans moves that even the number of replicas and of preferred leaderships (first replicas) per "
                    + "instance that can take replicas, moving as few replicas as it can, at most "
                    + ReplicaBalancer.MAX_MOVES_PER_PLAN + " partitions per call (call again to continue). Partitions being "
                    + "reassigned or drained are left alone. With dryRun=true it only answers the plan (200); otherwise each "
                    + "move is submitted as a reassignment (202), and a move the quorum refused in the meantime is left out of "
                    + "the answer. Leadership follows preferred leaders through preferred-leader election. A single node plans "
                    + "nothing.",
            responses = {@ApiResponse(responseCode = "200", description = "The plan (dry run); nothing changed"),
                    @ApiResponse(responseCode = "202", description = "The plan, submitted as reassignments")})
    @ProblemResponses({ErrorCode.INVALID_PARAMETER, ErrorCode.CONTROLLER_NOT_AVAILABLE, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @PostMapping("/cluster/rebalance")
    ResponseEntity<RebalanceView> rebalance(
            @Parameter(description = "only show the plan") @RequestParam(defaultValue = "false") boolean dryRun, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.REBALANCE_CLUSTER));
        ReplicaBalancer.Plan plan = cluster.clustered() ? ReplicaBalancer.rebalance(cluster.state()) : new ReplicaBalancer.Plan(List.of(),
                null);
        if (dryRun) {
            return ResponseEntity.ok(new RebalanceView(true, moves(plan), leadershipChanges(plan)));
        }
        ReplicaBalancer.Plan submitted = new ReplicaBalancer.Plan(submit(plan.moves()), null);
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(new RebalanceView(false, moves(submitted), leadershipChanges(submitted)));
    }

    /** Submits every move as a reassignment at once and waits for them all: the moves the quorum applied. */
    private List<ReplicaBalancer.Move> submit(List<ReplicaBalancer.Move> moves) {
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        for (ReplicaBalancer.Move m : moves) {
            results.add(cluster.submitAsync(new MetadataCommand.ReassignPartition(m.topic(), m.partition(), m.to())).handle((r, e) -> {
                if (e != null || !r.ok()) {
                    LOG.info("Rebalance of {}-{} not submitted: {}", m.topic(), m.partition(), e != null ? e.getMessage() : r.message());
                    return false;
                }
                return true;
            }));
        }
        List<ReplicaBalancer.Move> applied = new ArrayList<>();
        for (int i = 0; i < moves.size(); i++) {
            if (results.get(i).join()) {
                applied.add(moves.get(i));
            }
        }
        if (!moves.isEmpty() && applied.isEmpty()) {
            throw new RunnelException(ErrorCode.CONTROLLER_NOT_AVAILABLE, "none of the " + moves.size() + " moves was applied");
        }
        return applied;
    }

    private void requireSelf(String id) {
        if (!id.equals(node.id())) {
            throw new RunnelException(ErrorCode.INSTANCE_NOT_FOUND, "no instance '" + id + "' in the cluster (a single node: '"
                    + node.id() + "')");
        }
    }

    private static List<MoveView> moves(ReplicaBalancer.Plan plan) {
        return plan.moves().stream().map(MoveView::of).toList();
    }

    private static List<LeadershipChangeView> leadershipChanges(ReplicaBalancer.Plan plan) {
        return plan.leadershipChanges().stream().map(c -> new LeadershipChangeView(c.topic(), c.partition(), c.from(), c.to())).toList();
    }
}
