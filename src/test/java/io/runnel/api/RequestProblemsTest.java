package io.runnel.api;

import io.runnel.error.ErrorCode;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.ApiSliceTest;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/** Problems that come from routing and content negotiation rather than from an endpoint's own checks. */
class RequestProblemsTest extends ApiSliceTest {

    @Test
    void unknownPathIs404NotFound() {
        for (MvcTestResult result : new MvcTestResult[] {
                get("/nope"),
                get("/topics/x/y/z"),
                postJson("/nope", "{}"),
                mvc.delete().uri("/cluster/instances").exchange()}) {
            assertProblem(result, ErrorCode.NOT_FOUND);
        }
    }

    @Test
    void unsupportedMethodIs405MethodNotAllowed() {
        for (MvcTestResult result : new MvcTestResult[] {
                mvc.put().uri("/topics/anything").contentType(MediaType.APPLICATION_JSON).content("{}").exchange(),
                mvc.delete().uri("/topics").exchange(),
                mvc.post().uri("/cluster").contentType(MediaType.APPLICATION_JSON).content("{}").exchange(),
                mvc.get().uri("/topics/anything/records").exchange()}) {
            assertProblem(result, ErrorCode.METHOD_NOT_ALLOWED);
            assertThat(result.getResponse().getHeader(HttpHeaders.ALLOW)).as("RFC 9110: a 405 lists the allowed methods").isNotBlank();
        }
        MvcTestResult put = mvc.put().uri("/topics/anything").contentType(MediaType.APPLICATION_JSON).content("{}").exchange();
        assertThat(put.getResponse().getHeader(HttpHeaders.ALLOW).split(",\\s*")).contains("GET", "PATCH", "DELETE").doesNotContain("PUT");
    }

    @Test
    void unsupportedContentTypeIs415UnsupportedMediaType() {
        MvcTestResult result = mvc.post().uri("/topics").contentType(MediaType.APPLICATION_XML).content("<topic/>").exchange();
        assertProblem(result, ErrorCode.UNSUPPORTED_MEDIA_TYPE);
        assertThat(result.getResponse().getHeader(HttpHeaders.ACCEPT)).as("the media types that are supported").contains("application/json");
        assertProblem(mvc.patch().uri("/topics/anything").contentType(MediaType.APPLICATION_XML).content("<topic/>").exchange(),
                ErrorCode.UNSUPPORTED_MEDIA_TYPE);
    }

    @Test
    void unacceptableMediaTypeIs406NotAcceptable() {
        assertProblem(mvc.get().uri("/topics").header(HttpHeaders.ACCEPT, "text/csv").exchange(), ErrorCode.NOT_ACCEPTABLE);
    }

    @Test
    void problemTypesAreDistinctPerCode() {
        assertThat(java.util.Arrays.stream(ErrorCode.values()).map(ErrorCode::type).distinct()).hasSize(ErrorCode.values().length);
        assertThat(ErrorCode.OFFSET_OUT_OF_RANGE.type()).isEqualTo("https://runnel.io/problems/offset-out-of-range");
    }
}
