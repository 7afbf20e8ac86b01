package io.runnel.partition;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.api.Problems;
import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.HttpForwarder;
import io.runnel.cluster.InstanceTls;
import io.runnel.cluster.InternalClient;
import io.runnel.config.RunnelExecutors;
import io.runnel.config.RunnelProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Any instance serves any call: in a cluster, public calls that must run where a partition's
 * leader or the group coordinator is are forwarded there and answered from there, streamed
 * ({@link HttpForwarder}); clients never see a redirect.
 *
 * <ul>
 *   <li>{@code GET /topics/{t}/partitions/{p}/records} (JSON, long poll and Server-Sent Events), {@code …/stream} and
 *       {@code GET .../offsets} go to the partition's leader; {@code 503 LEADER_NOT_AVAILABLE}
 *       while the metadata says the leader is offline.</li>
 *   <li>{@code /groups/**} goes to the controller, which coordinates every group;
 *       {@code 503 CONTROLLER_NOT_AVAILABLE} during an election.</li>
 * </ul>
 * Produce is not forwarded whole: its records may go to partitions with different leaders, so
 * the produce service sends each partition's framed batch to its leader. Topic administration
 * needs no forwarding: any instance proposes metadata commands. A request that was forwarded
 * once ({@link InternalClient#FORWARDED_BY_HEADER}) is never forwarded again; if the metadata moved
 * meanwhile it is answered here with a 503 the client may retry.
 *
 * <p>Runs after authentication ({@code spring.security.filter.order}): with security on, a call is
 * authenticated here, and the instance that answers it is told who the caller is
 * ({@link HttpForwarder#FORWARDED_PRINCIPAL}), so it applies the same ACLs without a credential of its own.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class ForwardingFilter extends OncePerRequestFilter {
    private static final Pattern PARTITION_READ = Pattern.compile("/topics/([a-zA-Z0-9._-]{1,249})/partitions/(\\d{1,9})/(records|stream|offsets)");

    private final ClusterNode cluster;
    private final PartitionRouter router;
    private final HttpForwarder forwarder;

    ForwardingFilter(ClusterNode cluster, PartitionRouter router, RunnelProperties props, RunnelExecutors executors,
                     InstanceTls tls) {
        this.cluster = cluster;
        this.router = router;
        this.forwarder = cluster.clustered()
                ? new HttpForwarder(cluster.selfId(), cluster.secret(), props.cluster().connectTimeout(), executors.forwarding(), tls) : null;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return forwarder == null || !cluster.caughtUp();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean forwarded = request.getHeader(InternalClient.FORWARDED_BY_HEADER) != null;
        String path = request.getRequestURI();
        if (path.equals("/groups") || path.startsWith("/groups/")) {
            Optional<String> controller = cluster.controllerId();
            if (controller.isEmpty() || (forwarded && !controller.get().equals(cluster.selfId()))) {
                Problems.write(response, new RunnelException(ErrorCode.CONTROLLER_NOT_AVAILABLE,
                        "no controller is elected right now (groups are coordinated by the controller); retry shortly"));
                return;
            }
            if (controller.get().equals(cluster.selfId())) {
                chain.doFilter(request, response);
                return;
            }
            forward(request, response, controller.get(), ErrorCode.CONTROLLER_NOT_AVAILABLE);
            return;
        }
        Matcher m = PARTITION_READ.matcher(path);
        if (forwarded || !"GET".equals(request.getMethod()) || !m.matches()) {
            chain.doFilter(request, response);
            return;
        }
        Route route;
        try {
            route = router.route(m.group(1), Integer.parseInt(m.group(2)));
        } catch (RunnelException e) {
            chain.doFilter(request, response); // unknown topic or partition: the handler answers 404
            return;
        }
        if (route instanceof Route.Remote remote) {
            forward(request, response, remote.leader(), ErrorCode.LEADER_NOT_AVAILABLE);
        } else if (route instanceof Route.Unavailable unavailable) {
            Problems.write(response, unavailable.problem());
        } else {
            chain.doFilter(request, response); // led here
        }
    }

    private void forward(HttpServletRequest request, HttpServletResponse response, String target, ErrorCode unreachable)
            throws IOException {
        Optional<String> url = cluster.urlOf(target);
        if (url.isEmpty()) {
            Problems.write(response, new RunnelException(unreachable, "the URL of instance " + target + " is unknown"));
            return;
        }
        forwarder.forward(request, response, url.get(), target, unreachable);
    }

    @Override
    public void destroy() {
        if (forwarder != null) {
            forwarder.close();
        }
    }
}
