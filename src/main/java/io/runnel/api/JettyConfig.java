package io.runnel.api;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;

/**
 * Jetty settings. Runnel runs on Jetty because an idle long poll or SSE stream costs it little:
 * Jetty takes buffers from a pool only while bytes move, so a waiting request holds about 13 kB of
 * heap (Tomcat held about 115 kB in per-connection buffers; see BENCHMARKS.md).
 *
 * <ul>
 * <li>Encoded slashes and dots and empty segments in a path ({@code %2F}, {@code %2E%2E}, {@code //})
 * reach Spring MVC, which refuses them with the same problem details as any bad name or unknown
 * path, instead of Jetty's own 400 page.
 * <li>Requests Jetty refuses itself (bad request line, header too large) get a problem detail
 * instead of an HTML page ({@link ProblemErrorHandler}); an unknown HTTP version is a {@code 400}
 * there, so that no malformed request gets a 5xx.
 * <li>The listen backlog is {@value #ACCEPT_QUEUE}: Jetty's default (the JDK's 50) dropped
 * connections when thousands of clients connected at once.
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class JettyConfig implements WebServerFactoryCustomizer<JettyServletWebServerFactory> {
    static final int ACCEPT_QUEUE = 1024;

    @Override
    public void customize(JettyServletWebServerFactory factory) {
        factory.addServerCustomizers(server -> {
            for (Connector connector : server.getConnectors()) {
                if (connector instanceof ServerConnector serverConnector) {
                    serverConnector.setAcceptQueueSize(ACCEPT_QUEUE);
                }
                HttpConnectionFactory http = connector.getConnectionFactory(HttpConnectionFactory.class);
                if (http != null) {
                    HttpConfiguration config = http.getHttpConfiguration();
                    config.setUriCompliance(config.getUriCompliance().with("runnel",
                            UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR, UriCompliance.Violation.AMBIGUOUS_PATH_SEGMENT,
                            UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT, UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING));
                }
            }
            server.setErrorHandler(new ProblemErrorHandler());
            ServletContextHandler context = server.getDescendant(ServletContextHandler.class);
            if (context != null) {
                context.getServletHandler().setDecodeAmbiguousURIs(true);
            }
        });
    }

    /** Writes Jetty's own refusals as {@code application/problem+json}, coded from the one table. */
    static final class ProblemErrorHandler extends ErrorHandler {
        @Override
        protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
                Callback callback) {
            int answered = answered(status);
            if (answered != status) {
                response.setStatus(answered);
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/problem+json");
            response.write(true, ByteBuffer.wrap(problem(answered)), callback);
        }

        @Override
        public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
            fields.put(HttpHeader.CONTENT_TYPE, "application/problem+json");
            return ByteBuffer.wrap(problem(status));
        }

        /**
         * A request line with an HTTP version other than 1.0 and 1.1 (or none) is a malformed request:
         * {@code 400}, not Jetty's {@code 505}, so that no client mistake gets a 5xx.
         */
        static int answered(int status) {
            return status == HttpStatus.HTTP_VERSION_NOT_SUPPORTED.value() ? HttpStatus.BAD_REQUEST.value() : status;
        }

        private static byte[] problem(int status) {
            HttpStatus http = HttpStatus.resolve(status);
            String reason = http == null ? "Error" : http.getReasonPhrase();
            return Problems.json(new RunnelException(ErrorCode.forServerRefusal(status),
                    "the server refused the request: " + reason));
        }
    }
}
