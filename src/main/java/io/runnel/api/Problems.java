package io.runnel.api;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one writer of RFC 9457 problem details: {@code type}, {@code title}, {@code status},
 * {@code detail} and {@code code} from the {@link io.runnel.error.ErrorCode} table, then the
 * exception's context members. Every answer that carries a problem — controller advice, servlet
 * filters, the forwarder, Jetty's own refusals and SSE error events — is built here, so they agree.
 */
public final class Problems {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Problems() {
    }

    /** The problem's members in their documented order. */
    public static Map<String, Object> members(RunnelException e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", e.code().type());
        body.put("title", e.code().title());
        body.put("status", e.code().status());
        body.put("detail", e.getMessage());
        body.put("code", e.code().name());
        body.putAll(e.context());
        return body;
    }

    /** The problem as JSON bytes. */
    public static byte[] json(RunnelException e) {
        return JSON.writeValueAsBytes(members(e));
    }

    /** The problem as Spring's {@link ProblemDetail}, for controller answers. */
    public static ProblemDetail detail(RunnelException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatusCode.valueOf(e.code().status()), e.getMessage());
        problem.setType(URI.create(e.code().type()));
        problem.setTitle(e.code().title());
        problem.setProperty("code", e.code().name());
        e.context().forEach(problem::setProperty);
        return problem;
    }

    /** A controller answer carrying the problem. */
    public static ResponseEntity<ProblemDetail> response(RunnelException e) {
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(e.code().status()).contentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (e.code() == ErrorCode.UNAUTHENTICATED) {
            // HTTP requires a challenge with every 401 (a held read whose key was revoked answers one here)
            answer.header("WWW-Authenticate", "Bearer realm=\"runnel\"");
        }
        return answer.body(detail(e));
    }

    /** Writes the problem straight to a servlet response, for code that answers before or outside Spring MVC. */
    public static void write(HttpServletResponse response, RunnelException e) throws IOException {
        byte[] body = json(e);
        response.setStatus(e.code().status());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
