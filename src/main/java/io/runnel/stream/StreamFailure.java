package io.runnel.stream;

/** Why a stream cannot go on (a record failing with no dead-letter topic, a right its creator lacks): it stops {@code FAILED}. */
final class StreamFailure extends RuntimeException {
    StreamFailure(String message) {
        super(message, null, false, false);
    }
}
