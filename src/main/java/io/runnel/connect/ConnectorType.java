package io.runnel.connect;

/** Which way a connector moves records: out of Runnel to an external system, or into Runnel. */
public enum ConnectorType {
    /** Reads topics of this cluster and delivers them elsewhere ({@code http-sink}). */
    SINK,
    /** Writes records from elsewhere into topics of this cluster ({@code mirror-source}). */
    SOURCE;

    /** The name Kafka Connect's REST API uses ({@code "sink"}, {@code "source"}). */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
