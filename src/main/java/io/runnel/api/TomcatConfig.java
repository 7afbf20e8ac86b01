package io.runnel.api;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.apache.catalina.Container;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;

/**
 * Tomcat settings that keep even container-level refusals inside the API contract: an encoded
 * slash in a path reaches the controllers (which refuse the name with a problem detail), and
 * requests Tomcat rejects itself (bad request line, oversized headers) get a problem detail
 * instead of an HTML page.
 */
@Configuration(proxyBeanMethods = false)
class TomcatConfig implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
    /** Closed connections whose channel objects Tomcat keeps for reuse. */
    static final int CLOSED_CONNECTIONS_CACHED = 100;

    private final io.micrometer.core.instrument.MeterRegistry meters;

    TomcatConfig(io.micrometer.core.instrument.MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addConnectorCustomizers(connector -> {
            connector.setEncodedSolidusHandling(EncodedSolidusHandling.PASS_THROUGH.getValue());
            // Tomcat caches closed connections' NioChannel objects for reuse, and a cached channel
            // still points at its last request's buffers and processor (~100 kB). By default the
            // cache grows with max-connections (20,000 here), so thousands of SSE clients or long
            // polls that went away kept hundreds of MB alive. A small cache bounds that.
            connector.setProperty("socket.bufferPool", Integer.toString(CLOSED_CONNECTIONS_CACHED));
        });
        factory.addContextCustomizers(context -> {
            Container parent = context.getParent();
            if (parent instanceof StandardHost host) {
                host.setErrorReportValveClass(ProblemReportValve.class.getName());
            }
        });
    }

    /**
     * Exposes how many requests Tomcat holds in async mode (long polls, SSE streams) as
     * {@code runnel.http.async.waiting}: the number to watch for requests whose client went away
     * but whose processor Tomcat keeps (see BENCHMARKS.md, "closed SSE streams keep their heap").
     */
    @org.springframework.context.event.EventListener
    void meterAsyncRequests(org.springframework.boot.web.server.context.WebServerInitializedEvent event) {
        if (event.getWebServer() instanceof org.springframework.boot.tomcat.TomcatWebServer tomcat
                && tomcat.getTomcat().getConnector().getProtocolHandler() instanceof org.apache.coyote.AbstractProtocol<?> protocol) {
            io.micrometer.core.instrument.Gauge.builder("runnel.http.async.waiting", protocol, p -> p.getWaitingProcessorCount())
                    .description("Requests Tomcat holds in async mode: waiting long polls and open SSE streams")
                    .register(meters);
        }
    }

    /** Writes container errors as {@code application/problem+json}. */
    public static class ProblemReportValve extends ErrorReportValve {
        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            int status = response.getStatus();
            if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
                return;
            }
            HttpStatus http = HttpStatus.resolve(status);
            String reason = http == null ? "Error" : http.getReasonPhrase();
            // type and title come from the code table, as in every other problem: one title per type
            ErrorCode code = status == 413 ? ErrorCode.REQUEST_TOO_LARGE : status == 404 ? ErrorCode.NOT_FOUND
                    : status >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.INVALID_REQUEST;
            try {
                response.setContentType("application/problem+json");
                response.setCharacterEncoding(StandardCharsets.UTF_8.name());
                Writer writer = response.getReporter();
                if (writer != null) {
                    writer.write("{\"type\":\"" + code.type() + "\",\"title\":\"" + code.title() + "\",\"status\":" + status
                            + ",\"detail\":\"the server refused the request: " + reason + "\",\"code\":\"" + code.name() + "\"}");
                }
            } catch (IOException | IllegalStateException e) {
                // the response can no longer be written; nothing else to do
            }
        }
    }
}
