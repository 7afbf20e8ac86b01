package io.runnel.connect.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One request's worth of records of one partition, in offset order: the exact bytes that are
 * {@code POST}ed ({@code {"records":[...]}}) and what is committed once a receiver took them.
 * Immutable (the body array is never changed after construction).
 *
 * @param firstOffset the first record's offset: with topic and partition, the batch's {@code webhook-id}
 * @param nextOffset  the offset committed after delivery: one past the last record of the batch
 * @param count       records in the batch
 * @param body        the request body
 */
record Batch(String topic, int partition, long firstOffset, long nextOffset, int count, byte[] body) {
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
                body.toByteArray());
    }

    /** The Standard Webhooks message id: stable across retries and redeliveries of the same records. */
    String webhookId() {
        return topic + "/" + partition + "/" + firstOffset;
    }
}
