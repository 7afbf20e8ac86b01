package io.runnel.consume;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The records URL answers JSON unless a stream is asked for alone: a {@code GET …/records} whose
 * {@code Accept} lists {@code text/event-stream} together with {@code application/json} (or a
 * wildcard that covers it) is handed on as {@code Accept: application/json}. Spring MVC alone would
 * pick whichever type the client listed first, and a client that lists both (as clients generated
 * from a document listing both do) would get a never-ending stream. Stateless, so thread-safe.
 */
@Component
class StreamAcceptFilter extends OncePerRequestFilter {
    private static final Pattern RECORDS = Pattern.compile("/topics/[^/]+/partitions/[^/]+/records");

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !"GET".equals(request.getMethod()) || !RECORDS.matcher(request.getRequestURI()).matches();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        chain.doFilter(asksForJsonToo(request) ? new JsonAccept(request) : request, response);
    }

    private static boolean asksForJsonToo(HttpServletRequest request) {
        List<MediaType> accepted;
        try {
            accepted = MediaType.parseMediaTypes(Collections.list(request.getHeaders(HttpHeaders.ACCEPT)));
        } catch (InvalidMediaTypeException e) {
            return false; // Spring MVC answers it
        }
        boolean stream = false;
        boolean json = false;
        for (MediaType type : accepted) {
            if (type.getQualityValue() <= 0) {
                continue;
            }
            stream |= type.isCompatibleWith(MediaType.TEXT_EVENT_STREAM) && !type.isWildcardType() && !type.isWildcardSubtype();
            json |= type.includes(MediaType.APPLICATION_JSON);
        }
        return stream && json;
    }

    private static final class JsonAccept extends HttpServletRequestWrapper {
        JsonAccept(HttpServletRequest request) {
            super(request);
        }

        @Override
        public String getHeader(String name) {
            return HttpHeaders.ACCEPT.equalsIgnoreCase(name) ? MediaType.APPLICATION_JSON_VALUE : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return HttpHeaders.ACCEPT.equalsIgnoreCase(name)
                    ? Collections.enumeration(List.of(MediaType.APPLICATION_JSON_VALUE)) : super.getHeaders(name);
        }
    }
}
