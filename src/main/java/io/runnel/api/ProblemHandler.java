package io.runnel.api;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.log.LogException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.io.EofException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.context.request.async.AsyncRequestTimeoutException;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * The one table from exceptions to RFC 9457 problem details. Every answer carries {@code type},
 * {@code title}, {@code status}, {@code detail} and a stable {@code code}, plus the exception's
 * context members. Only unexpected failures become a 5xx, and those are logged.
 */
@RestControllerAdvice
public class ProblemHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemHandler.class);

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> handle(Exception e, HttpServletRequest request, HttpServletResponse response) throws Exception {
        if (e instanceof AsyncRequestNotUsableException) {
            throw e; // the client went away; there is nobody to answer
        }
        if (e instanceof AsyncRequestTimeoutException && response.isCommitted()) {
            return null; // a stream reached its end of life (SSE max duration): nothing more to say
        }
        RunnelException api = toRunnelException(e);
        if (api.code().status() >= 500 && api.code().status() != 503) {
            LOG.error("{} {} failed", request.getMethod(), request.getRequestURI(), e);
        }
        if (e instanceof ErrorResponse spring && !spring.getHeaders().isEmpty()) {
            // Spring MVC's own errors carry headers HTTP asks for: Allow on a 405, Accept on a 415
            return ResponseEntity.status(api.code().status()).headers(spring.getHeaders())
                    .contentType(MediaType.APPLICATION_PROBLEM_JSON).body(Problems.detail(api));
        }
        return Problems.response(api);
    }

    /** Maps any exception to its code; the single place where that decision is made. */
    public static RunnelException toRunnelException(Exception e) {
        if (e instanceof RunnelException || e instanceof LogException) {
            return RunnelException.of(e);
        }
        RunnelException malformed = malformedMessage(e);
        if (malformed != null) {
            return malformed;
        }
        if (e instanceof HttpMessageNotReadableException) {
            if (hasCause(e, StreamConstraintsException.class)) {
                return new RunnelException(ErrorCode.NESTING_TOO_DEEP, rootMessage(e));
            }
            RunnelException wrongType = wrongScalarType(e);
            if (wrongType != null) {
                return wrongType;
            }
            return new RunnelException(ErrorCode.MALFORMED_JSON, "the body is not valid JSON of the expected shape: " + rootMessage(e));
        }
        if (e instanceof HttpMediaTypeNotSupportedException) {
            return new RunnelException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json");
        }
        if (e instanceof HttpMediaTypeNotAcceptableException) {
            return new RunnelException(ErrorCode.NOT_ACCEPTABLE, "this resource is served as application/json");
        }
        if (e instanceof HttpRequestMethodNotSupportedException m) {
            return new RunnelException(ErrorCode.METHOD_NOT_ALLOWED, m.getMessage());
        }
        if (e instanceof NoResourceFoundException) {
            return new RunnelException(ErrorCode.NOT_FOUND, "no such resource");
        }
        if (e instanceof MethodArgumentTypeMismatchException m) {
            return new RunnelException(ErrorCode.INVALID_PARAMETER, "'" + m.getName() + "' has an invalid value '" + m.getValue() + "'")
                    .with("parameter", m.getName());
        }
        if (e instanceof MissingServletRequestParameterException m) {
            return new RunnelException(ErrorCode.INVALID_PARAMETER, "'" + m.getParameterName() + "' is required")
                    .with("parameter", m.getParameterName());
        }
        if (e instanceof MissingRequestHeaderException m) {
            return new RunnelException(ErrorCode.INVALID_REQUEST, "header '" + m.getHeaderName() + "' is required");
        }
        if (e instanceof HandlerMethodValidationException) {
            return new RunnelException(ErrorCode.INVALID_PARAMETER, e.getMessage());
        }
        return RunnelException.of(e);
    }

    /**
     * A request the HTTP server found malformed while the handler read its body: a body that ended
     * before its {@code Content-Length} or its last chunk (the client half-closed or left), broken
     * chunked framing. A client error ({@code 400 INVALID_REQUEST}, or the server's own 4xx code),
     * however the read failure is wrapped, so it is never logged as a failure of ours; {@code null}
     * for other failures.
     */
    private static RunnelException malformedMessage(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EofException) {
                return new RunnelException(ErrorCode.INVALID_REQUEST,
                        "the request body ended early: shorter than its Content-Length, or without its last chunk");
            }
            if (t instanceof HttpException http && http.getCode() >= 400 && http.getCode() < 500) {
                return new RunnelException(ErrorCode.forServerRefusal(http.getCode()),
                        "the request could not be read: " + http.getReason());
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    /**
     * A number or boolean where a string belongs ({@link StrictInputConfig}): {@code 422} with the
     * code of the member, for the members whose rules have one; {@code null} for other failures.
     */
    private static RunnelException wrongScalarType(Exception e) {
        MismatchedInputException mismatch = null;
        for (Throwable t = e; t != null && mismatch == null; t = t.getCause()) {
            if (t instanceof MismatchedInputException m && m.getTargetType() == String.class) {
                mismatch = m;
            }
        }
        if (mismatch == null || mismatch.getPath().isEmpty()) {
            return null;
        }
        String member = mismatch.getPath().stream().map(r -> r.getPropertyName()).filter(n -> n != null)
                .reduce((first, second) -> first).orElse("");
        String detail = "'" + member + "' must be a JSON string; numbers and booleans are not converted";
        return switch (member) {
            case "name", "topic", "topics" -> new RunnelException(ErrorCode.INVALID_TOPIC_NAME, detail).with("field", member);
            case "configs" -> new RunnelException(ErrorCode.INVALID_CONFIG, "config values are strings, as in Kafka: " + detail)
                    .with("field", member);
            default -> null;
        };
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = String.valueOf(t.getMessage()).replaceAll("io\\.runnel\\.[\\w.]+\\$", "");
        int newline = message.indexOf('\n');
        return newline > 0 ? message.substring(0, newline) : message;
    }
}
