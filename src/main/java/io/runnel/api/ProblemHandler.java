package io.runnel.api;

import io.runnel.log.LogException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * The one table from exceptions to RFC 9457 problem details. Every answer carries {@code type},
 * {@code title}, {@code status}, {@code detail} and a stable {@code code}, plus the exception's
 * context members. Only unexpected failures become a 5xx, and those are logged.
 */
@RestControllerAdvice
public class ProblemHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemHandler.class);
    private static final JsonMapper FILTER_JSON = JsonMapper.builder().build();

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> handle(Exception e, HttpServletRequest request, HttpServletResponse response) throws Exception {
        if (e instanceof AsyncRequestNotUsableException) {
            throw e; // the client went away; there is nobody to answer
        }
        if (e instanceof AsyncRequestTimeoutException && response.isCommitted()) {
            return null; // a stream reached its end of life (SSE max duration): nothing more to say
        }
        ApiException api = toApiException(e);
        if (api.code().status().is5xxServerError() && api.code().status() != HttpStatus.SERVICE_UNAVAILABLE) {
            LOG.error("{} {} failed", request.getMethod(), request.getRequestURI(), e);
        }
        if (e instanceof ErrorResponse spring && !spring.getHeaders().isEmpty()) {
            // Spring MVC's own errors carry headers HTTP asks for: Allow on a 405, Accept on a 415
            return ResponseEntity.status(api.code().status()).headers(spring.getHeaders())
                    .contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem(api));
        }
        return toResponse(api);
    }

    /** Maps any exception to its code; the single place where that decision is made. */
    public static ApiException toApiException(Exception e) {
        if (e instanceof ApiException api) {
            return api;
        }
        if (e instanceof LogException.StorageFull) {
            return new ApiException(ErrorCode.STORAGE_FULL, "the disk is full; these records were not written");
        }
        if (e instanceof LogException.OffsetOutOfRange r) {
            return new ApiException(ErrorCode.OFFSET_OUT_OF_RANGE, r.getMessage())
                    .with("logStartOffset", r.logStartOffset()).with("highWatermark", r.highWatermark());
        }
        if (e instanceof LogException) {
            return new ApiException(ErrorCode.STORAGE_ERROR, e.getMessage());
        }
        if (e instanceof HttpMessageNotReadableException) {
            if (hasCause(e, StreamConstraintsException.class)) {
                return new ApiException(ErrorCode.NESTING_TOO_DEEP, rootMessage(e));
            }
            ApiException wrongType = wrongScalarType(e);
            if (wrongType != null) {
                return wrongType;
            }
            return new ApiException(ErrorCode.MALFORMED_JSON, "the body is not valid JSON of the expected shape: " + rootMessage(e));
        }
        if (e instanceof HttpMediaTypeNotSupportedException) {
            return new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json");
        }
        if (e instanceof HttpMediaTypeNotAcceptableException) {
            return new ApiException(ErrorCode.NOT_ACCEPTABLE, "this resource is served as application/json");
        }
        if (e instanceof HttpRequestMethodNotSupportedException m) {
            return new ApiException(ErrorCode.METHOD_NOT_ALLOWED, m.getMessage());
        }
        if (e instanceof NoResourceFoundException) {
            return new ApiException(ErrorCode.NOT_FOUND, "no such resource");
        }
        if (e instanceof MethodArgumentTypeMismatchException m) {
            return new ApiException(ErrorCode.INVALID_PARAMETER, "'" + m.getName() + "' has an invalid value '" + m.getValue() + "'")
                    .with("parameter", m.getName());
        }
        if (e instanceof MissingServletRequestParameterException m) {
            return new ApiException(ErrorCode.INVALID_PARAMETER, "'" + m.getParameterName() + "' is required")
                    .with("parameter", m.getParameterName());
        }
        if (e instanceof MissingRequestHeaderException m) {
            return new ApiException(ErrorCode.INVALID_REQUEST, "header '" + m.getHeaderName() + "' is required");
        }
        if (e instanceof HandlerMethodValidationException) {
            return new ApiException(ErrorCode.INVALID_PARAMETER, e.getMessage());
        }
        return new ApiException(ErrorCode.INTERNAL_ERROR, "unexpected error: " + e.getClass().getSimpleName());
    }

    /**
     * A number or boolean where a string belongs ({@link StrictInputConfig}): {@code 422} with the
     * code of the member, for the members whose rules have one; {@code null} for other failures.
     */
    private static ApiException wrongScalarType(Exception e) {
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
            case "name", "topic", "topics" -> new ApiException(ErrorCode.INVALID_TOPIC_NAME, detail).with("field", member);
            case "configs" -> new ApiException(ErrorCode.INVALID_CONFIG, "config values are strings, as in Kafka: " + detail)
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

    public static ResponseEntity<ProblemDetail> toResponse(ApiException api) {
        return ResponseEntity.status(api.code().status()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem(api));
    }

    /**
     * Writes {@code api} as a problem detail straight to a servlet response, for filters that answer
     * before Spring MVC sees the request.
     */
    public static void write(HttpServletResponse response, ApiException api) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", api.code().type());
        body.put("title", api.code().title());
        body.put("status", api.code().status().value());
        body.put("detail", api.getMessage());
        body.put("code", api.code().name());
        body.putAll(api.context());
        response.setStatus(api.code().status().value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getOutputStream().write(FILTER_JSON.writeValueAsBytes(body));
    }

    public static ProblemDetail problem(ApiException api) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(api.code().status(), api.getMessage());
        problem.setType(URI.create(api.code().type()));
        problem.setTitle(api.code().title());
        problem.setProperty("code", api.code().name());
        for (Map.Entry<String, Object> member : api.context().entrySet()) {
            problem.setProperty(member.getKey(), member.getValue());
        }
        return problem;
    }
}
