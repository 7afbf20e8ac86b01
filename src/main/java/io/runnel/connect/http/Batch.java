package io.runnel.connect.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * One request's worth of records of one partition, in offset order: the exact bytes that are
 * {@code POST}ed ({@code {"records":[...]}}) and what is committed once a receiver took them.
 * Immutable (the body array is never changed after construction).
 *
 * @param firstOffset the first record's offset: with topic and partition, the batch's {@code webhook-id}
 * @param nextOffset  the offset committed after delivery: one past the last record of the batch
 * @param count       records in the batch (0 when the filter dropped them all: nothing is sent, the offsets are committed)
 * @param body        the request body
 * @param transformError why the connector's transform failed on the one record of this batch (its
 *                    body holds it untransformed), or null for a batch to deliver
 */
record Batch(String topic, int partition, long firstOffset, long nextOffset, int count, byte[] body, String transformError) {
    private static final byte[] OPEN = "{\"records\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLOSE = "]}".getBytes(StandardCharsets.US_ASCII);

    /** Joins the records of consecutive fetch answers of one partition, none of them empty. */
    static Batch of(String topic, int partition, List<FetchAnswer> answers) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(OPEN);
        int count = 0;
        for (FetchAnswer answer : answers) {
            if (count > 0) {
                body.write(',');
            }
            body.writeBytes(answer.records());
            count += answer.count();
        }
        body.writeBytes(CLOSE);
        return new Batch(topic, partition, answers.get(0).firstOffset(), answers.get(answers.size() - 1).nextOffset(), count,
                body.toByteArray(), null);
    }

    /** The one record whose transform failed, to dead-letter or to fail on. */
    static Batch rejected(String topic, int partition, FetchAnswer.Rejected rejected) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(OPEN);
        body.writeBytes(rejected.record());
        body.writeBytes(CLOSE);
        return new Batch(topic, partition, rejected.offset(), rejected.offset() + 1, 1, body.toByteArray(), rejected.error());
    }

    /**
     * The records in two batches, the first {@code count / 2} and the rest, for a write that was
     * too large as one (needs {@code count ≥ 2}).
     */
    List<Batch> halves() {
        int firstCount = count / 2;
        ByteArrayOutputStream first = new ByteArrayOutputStream(body.length / 2 + 64);
        ByteArrayOutputStream second = new ByteArrayOutputStream(body.length / 2 + 64);
        long split = -1;
        try (JsonParser p = FetchAnswer.JSON.createParser(body); JsonGenerator a = FetchAnswer.JSON.createGenerator(first);
             JsonGenerator b = FetchAnswer.JSON.createGenerator(second)) {
            p.nextToken(); // {
            p.nextToken(); // "records"
            p.nextToken(); // [
            a.writeStartObject();
            a.writeArrayPropertyStart("records");
            b.writeStartObject();
            b.writeArrayPropertyStart("records");
            for (int i = 0; p.nextToken() == JsonToken.START_OBJECT; i++) {
                JsonGenerator g = i < firstCount ? a : b;
                g.writeStartObject();
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    if (i == firstCount && name.equals("offset")) {
                        split = p.getLongValue();
                    }
                    g.writeName(name);
                    FetchAnswer.copyValue(p, g);
                }
                g.writeEndObject();
            }
            a.writeEndArray();
            a.writeEndObject();
            b.writeEndArray();
            b.writeEndObject();
        }
        return List.of(new Batch(topic, partition, firstOffset, split, firstCount, first.toByteArray(), transformError),
                new Batch(topic, partition, split, nextOffset, count - firstCount, second.toByteArray(), transformError));
    }

    /** The Standard Webhooks message id: stable across retries and redeliveries of the same records. */
    String webhookId() {
        return topic + "/" + partition + "/" + firstOffset;
    }
}
