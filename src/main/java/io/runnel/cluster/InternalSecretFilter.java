package io.runnel.cluster;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.api.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Guards {@code /internal/**}, the instance-to-instance calls: in a cluster a request must carry
 * the cluster secret in {@link InternalClient#SECRET_HEADER} ({@code 401 UNAUTHORIZED} otherwise,
 * compared in constant time); on a single node there are no internal calls and the paths answer
 * {@code 404 NOT_FOUND}. These paths are also left out of the public OpenAPI document
 * ({@code springdoc.paths-to-exclude}).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class InternalSecretFilter extends OncePerRequestFilter {
    private final ClusterNode cluster;

    InternalSecretFilter(ClusterNode cluster) {
        this.cluster = cluster;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith("/internal/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!cluster.clustered()) {
            Problems.write(response, new RunnelException(ErrorCode.NOT_FOUND, "no internal calls on a single node"));
            return;
        }
        String given = request.getHeader(InternalClient.SECRET_HEADER);
        if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                cluster.secret().getBytes(StandardCharsets.UTF_8))) {
            Problems.write(response, new RunnelException(ErrorCode.UNAUTHORIZED,
                    "/internal/ calls are for instances of the cluster and need the cluster secret"));
            return;
        }
        chain.doFilter(request, response);
    }
}
