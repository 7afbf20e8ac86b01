package io.runnel.connect.http;

import java.io.ByteArrayOutputStream;
import java.util.Set;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * Turns a batch whose last attempt failed into the body of {@code POST /topics/{dlq}/records}: every
 * record with its key, value, timestamp and headers unchanged (key and value copied as exact JSON
 * text), plus these headers saying why (an original header of the same name is replaced):
 *
 * <table>
 *   <caption>Dead-letter headers</caption>
 *   <tr><td>{@code runnel.dlq.topic}, {@code runnel.dlq.partition}, {@code runnel.dlq.offset}</td><td>where the record was read</td></tr>
 *   <tr><td>{@code runnel.dlq.status}</td><td>the last answer's HTTP status, or {@code none} when there was no answer (timeout, connection error)</td></tr>
 *   <tr><td>{@code runnel.dlq.attempts}</td><td>attempts made, the first included</td></tr>
 *   <tr><td>{@code runnel.dlq.error}</td><td>what went wrong, e.g. {@code HTTP 400: <start of the answer>} or the connection error</td></tr>
 *   <tr><td>{@code runnel.dlq.connector}</td><td>the connector's name</td></tr>
 * </table>
 *
 * <p>Without an explicit partition, a keyed record lands in the dead-letter topic's partition for its
 * key, as any produced record does. Stateless.
 */
final class DeadLetters {
    static final String TOPIC = "runnel.dlq.topic";
    static final String PARTITION = "runnel.dlq.partition";
    static final String OFFSET = "runnel.dlq.offset";
    static final String STATUS = "runnel.dlq.status";
    static final String ATTEMPTS = "runnel.dlq.attempts";
    static final String ERROR = "runnel.dlq.error";
    static final String CONNECTOR = "runnel.dlq.connector";
    private static final Set<String> OURS = Set.of(TOPIC, PARTITION, OFFSET, STATUS, ATTEMPTS, ERROR, CONNECTOR);

    private DeadLetters() {
    }

    /** Why the batch failed, for its headers. */
    record Failure(String connector, Integer status, int attempts, String error) {
    }

    static byte[] produceBody(Batch batch, Failure failure) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(batch.body().length + 256 * batch.count());
        try (JsonParser p = FetchAnswer.JSON.createParser(batch.body()); JsonGenerator g = FetchAnswer.JSON.createGenerator(out)) {
            p.nextToken(); // {
            p.nextToken(); // "records"
            p.nextToken(); // [
            g.writeStartObject();
            g.writeArrayPropertyStart("records");
            while (p.nextToken() == JsonToken.START_OBJECT) {
                copyRecord(p, g, batch, failure);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /** Copies one delivered record object as a produce record; offset comes before headers in the delivery shape. */
    private static void copyRecord(JsonParser p, JsonGenerator g, Batch batch, Failure failure) {
        long offset = -1;
        boolean headersWritten = false;
        g.writeStartObject();
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "offset" -> offset = p.getLongValue();
                case "timestamp", "key", "value" -> {
                    g.writeName(name);
                    FetchAnswer.copyValue(p, g);
                }
                case "headers" -> {
                    g.writeObjectPropertyStart("headers");
                    copyHeaders(p, g);
                    writeFailure(g, batch, offset, failure);
                    g.writeEndObject();
                    headersWritten = true;
                }
                default -> p.skipChildren();
            }
        }
        if (!headersWritten) {
            g.writeObjectPropertyStart("headers");
            writeFailure(g, batch, offset, failure);
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void copyHeaders(JsonParser p, JsonGenerator g) {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (OURS.contains(name)) {
                p.skipChildren();
            } else {
                g.writeName(name);
                FetchAnswer.copyValue(p, g);
            }
        }
    }

    private static void writeFailure(JsonGenerator g, Batch batch, long offset, Failure failure) {
        g.writeStringProperty(TOPIC, batch.topic());
        g.writeStringProperty(PARTITION, Integer.toString(batch.partition()));
        g.writeStringProperty(OFFSET, Long.toString(offset));
        g.writeStringProperty(STATUS, failure.status() == null ? "none" : failure.status().toString());
        g.writeStringProperty(ATTEMPTS, Integer.toString(failure.attempts()));
        g.writeStringProperty(ERROR, failure.error());
        g.writeStringProperty(CONNECTOR, failure.connector());
    }
}
