package io.runnel.security.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * No public endpoint can forget its authorization: every handler method of every {@code @RestController} of
 * Runnel whose paths are not all under {@code /internal/} (guarded by the cluster secret) declares a
 * {@link Caller} parameter, which it needs to ask {@link Guard#check}. A new endpoint without one fails here;
 * one meant to be open must be listed in {@link #OPEN} with the reason.
 */
class EveryCallIsCheckedTest {
    /** Handlers that are open on purpose. */
    private static final Set<String> OPEN = Set.of(
            "/error"); // the error page of requests that already failed, answered as a problem

    @Test
    void everyPublicHandlerReceivesItsCaller() throws Exception {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(RestController.class));
        List<String> handlers = new ArrayList<>();
        List<String> unchecked = new ArrayList<>();
        for (BeanDefinition bean : scanner.findCandidateComponents("io.runnel")) {
            Class<?> type = ClassUtils.forName(bean.getBeanClassName(), getClass().getClassLoader());
            RequestMapping typeMapping = AnnotatedElementUtils.findMergedAnnotation(type, RequestMapping.class);
            for (Method method : type.getDeclaredMethods()) {
                RequestMapping mapping = AnnotatedElementUtils.findMergedAnnotation(method, RequestMapping.class);
                if (mapping == null) {
                    continue;
                }
                List<String> paths = paths(typeMapping, mapping);
                if (paths.stream().allMatch(p -> p.startsWith("/internal/")) || OPEN.containsAll(paths)) {
                    continue;
                }
                String name = type.getSimpleName() + "." + method.getName() + " " + paths;
                handlers.add(name);
                if (Arrays.stream(method.getParameterTypes()).noneMatch(p -> p == Caller.class)) {
                    unchecked.add(name);
                }
            }
        }
        assertThat(handlers).as("the scan finds the public handlers").hasSizeGreaterThan(20)
                .anyMatch(h -> h.startsWith("TopicController.")).anyMatch(h -> h.startsWith("GroupController."))
                .anyMatch(h -> h.startsWith("FetchController.")).anyMatch(h -> h.startsWith("ProduceController."));
        assertThat(unchecked).as("public handlers without a Caller parameter (so without an ACL check)").isEmpty();
    }

    private static List<String> paths(RequestMapping type, RequestMapping method) {
        List<String> prefixes = type == null || type.path().length == 0 ? List.of("") : List.of(type.path());
        List<String> own = method.path().length == 0 ? List.of("") : List.of(method.path());
        List<String> paths = new ArrayList<>();
        prefixes.forEach(prefix -> own.forEach(path -> paths.add(prefix + path)));
        return paths;
    }
}
