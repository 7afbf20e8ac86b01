package io.runnel.connect.http;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;

/**
 * How one attempt of a batch is sent and judged: the request ({@code POST http.url}, the configured
 * headers, the Standard Webhooks headers when a secret is set, the per-request timeout), the answer's
 * body handling (a 2xx body is discarded; another one is kept for the error message) and which
 * failures are worth another attempt. Stateless.
 */
final class Delivery {
    static final String WEBHOOK_ID = "webhook-id";
    static final String WEBHOOK_TIMESTAMP = "webhook-timestamp";
    static final String WEBHOOK_SIGNATURE = "webhook-signature";

    /** How much of a failed answer's body is kept for the error message; the rest is read and dropped. */
    static final int ERROR_BODY_BYTES = 1024;

    /** A 2xx answer's body is not needed; of another one only the start is kept, for the error. */
    static final HttpResponse.BodyHandler<byte[]> BODY = info -> {
        if (info.statusCode() / 100 == 2) {
            return HttpResponse.BodySubscribers.replacing(new byte[0]);
        }
        ByteArrayOutputStream start = new ByteArrayOutputStream();
        return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofByteArrayConsumer(chunk -> chunk.ifPresent(bytes -> {
            int room = ERROR_BODY_BYTES - start.size();
            if (room > 0) {
                start.write(bytes, 0, Math.min(room, bytes.length));
            }
        })), done -> start.toByteArray());
    };

    private Delivery() {
    }

    static HttpRequest request(SinkSetup setup, Batch batch) {
        HttpSinkConfig config = setup.config();
        HttpRequest.Builder request = HttpRequest.newBuilder(config.url()).timeout(config.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(batch.body()));
        config.headers().forEach(request::header);
        config.signer().ifPresent(signer -> {
            long now = Instant.now(setup.clock()).getEpochSecond();
            request.header(WEBHOOK_ID, batch.webhookId())
                    .header(WEBHOOK_TIMESTAMP, Long.toString(now))
                    .header(WEBHOOK_SIGNATURE, signer.sign(batch.webhookId(), now, batch.body()));
        });
        return request.build();
    }

    /**
     * Whether a failed answer may succeed later: 408, 429 and 5xx. Other statuses (400, 401, 404,
     * 413, 422, a redirect, ...) say the receiver will not take this batch as it is, so it goes to the
     * dead-letter topic (or fails the task) at once. Timeouts and connection errors, which have no
     * status, are always retried.
     */
    static boolean retriable(int status) {
        return status == 408 || status == 429 || status >= 500;
    }
}
