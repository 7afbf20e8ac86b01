package io.runnel.connect.http;

/** A partition of an http-sink task cannot go on; the message says why and what to do. Never carries a secret. */
final class HttpSinkException extends RuntimeException {
    HttpSinkException(String message) {
        super(message);
    }
}
