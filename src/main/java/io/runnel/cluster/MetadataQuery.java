package io.runnel.cluster;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A read-only question to a {@link MetadataStateMachine}, sent as JSON like a command. The answer
 * is the JSON of what the record says.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = MetadataQuery.WholeState.class, name = "WholeState"),
        @JsonSubTypes.Type(value = MetadataQuery.TopicLookup.class, name = "TopicLookup"),
})
sealed interface MetadataQuery {

    /** Answered with the whole {@link ClusterState}. */
    record WholeState() implements MetadataQuery {
    }

    /** Answered with the {@link TopicMetadata}, or JSON {@code null} if there is no such topic. */
    record TopicLookup(String name) implements MetadataQuery {
    }
}
