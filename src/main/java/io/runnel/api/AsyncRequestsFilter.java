package io.runnel.api;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Counts the requests the server holds in async mode (waiting long polls, open SSE streams,
 * forwarded calls) as {@code runnel.http.async.waiting}. A request counts from the end of the
 * dispatch that started async mode until the container completes it (answer, timeout or error),
 * so a count that stays up after clients went away shows connections nobody releases.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class AsyncRequestsFilter extends OncePerRequestFilter {
    private final AtomicInteger waiting = new AtomicInteger();

    AsyncRequestsFilter(MeterRegistry meters) {
        Gauge.builder("runnel.http.async.waiting", waiting, AtomicInteger::get)
                .description("Requests held in async mode: waiting long polls, open SSE streams, forwarded calls")
                .register(meters);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } finally {
            // A completion started elsewhere takes effect only after this dispatch returns (Servlet
            // spec, AsyncContext.complete), so the listener is always in place before it runs.
            if (request.isAsyncStarted()) {
                waiting.incrementAndGet();
                request.getAsyncContext().addListener(new Release());
            }
        }
    }

    /** Decrements once, whichever of the container's callbacks comes first. */
    private final class Release implements AsyncListener {
        private final AtomicBoolean released = new AtomicBoolean();

        private void release() {
            if (released.compareAndSet(false, true)) {
                waiting.decrementAndGet();
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
            release();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // the request is answered or completed next; onComplete follows
        }

        @Override
        public void onError(AsyncEvent event) {
            // likewise followed by onComplete
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // a re-dispatch started async mode again: keep listening (the container drops listeners)
            event.getAsyncContext().addListener(this);
        }
    }
}
