package io.runnel.security.web;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the bodies of {@code /api-keys} and {@code /acls} strictly: a member the request type does not have
 * is refused ({@code 400 INVALID_REQUEST} naming it) rather than ignored, since an ignored
 * {@code "role":"admin"} or a misspelt {@code "principle"} would silently make a key or an ACL other than the
 * one meant. Otherwise the application's mapper rules apply (no number where a string belongs). Thread-safe.
 */
final class StrictBodies {
    private final JsonMapper json;

    StrictBodies(JsonMapper json) {
        this.json = json;
    }

    <T> T read(JsonNode body, Class<T> type) {
        if (body == null || !body.isObject()) {
            throw new RunnelException(ErrorCode.MALFORMED_JSON, "the body must be a JSON object");
        }
        try {
            return json.readerFor(type).with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(body);
        } catch (UnrecognizedPropertyException e) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "unknown member '" + e.getPropertyName() + "'; known: "
                    + e.getKnownPropertyIds()).with("field", e.getPropertyName());
        } catch (JacksonException e) {
            throw new RunnelException(ErrorCode.MALFORMED_JSON, "the body is not JSON of the expected shape: " + e.getOriginalMessage());
        }
    }
}
