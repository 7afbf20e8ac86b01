package io.runnel.cluster;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON form of what the metadata quorum stores and sends: commands in the Raft log, results
 * in replies, the state in snapshots and query answers. Strict: an unknown member is an error
 * rather than silently dropped, since a replica that ignored part of a command would diverge.
 *
 * <p>Thread-safe (a configured {@link JsonMapper} is).
 */
final class MetadataJson {
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private MetadataJson() {
    }

    static byte[] write(Object value) {
        return JSON.writeValueAsBytes(value);
    }

    /** @throws tools.jackson.core.JacksonException if {@code bytes} is not a {@code type} */
    static <T> T read(byte[] bytes, Class<T> type) {
        return JSON.readValue(bytes, type);
    }
}
