package io.runnel.console;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.CacheControl;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Serves the built-in web console: the static files under {@code classpath:/console/} (plain ES modules, no build
 * step) at {@code /console/**}, {@code /console/} as its {@code index.html}, and redirects {@code /} and
 * {@code /console} to {@code /console/}.
 *
 * <p>The console is a client of the public API like any other: it has no endpoint of its own, sends the user's
 * API key on every call, and so can do nothing the API would refuse. Its files are open without credentials
 * ({@code SecurityWebConfig}); they hold no data. None of this is a Spring MVC handler method, so the OpenAPI
 * document does not see it. With {@code runnel.console.enabled=false} nothing is registered: those paths answer
 * the API's {@code 404} problem.
 *
 * <p>Every console response carries a Content-Security-Policy that allows only this origin's scripts, styles and
 * connections: the console renders user data (topic names, keys, values, headers), and should an escaping bug
 * ever slip through, no injected script or inline handler would run. Stateless; thread-safe.
 */
@Configuration(proxyBeanMethods = false)
class ConsoleWebConfig implements WebMvcConfigurer {
    static final String PATH = "/console/";
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private final boolean enabled;

    ConsoleWebConfig(ConsoleProperties properties) {
        this.enabled = properties.enabled();
    }

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        if (enabled) {
            // Revalidated on every load (ETag / Last-Modified): an upgraded node never serves a stale mix of modules.
            registry.addResourceHandler(PATH + "**").addResourceLocations("classpath:/console/")
                    .setCacheControl(CacheControl.noCache());
        }
    }

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        if (enabled) {
            registry.addRedirectViewController("/", PATH);
            registry.addRedirectViewController("/console", PATH);
            registry.addViewController(PATH).setViewName("forward:" + PATH + "index.html");
        }
    }

    @Bean
    FilterRegistrationBean<ContentPolicyFilter> consoleContentPolicy() {
        FilterRegistrationBean<ContentPolicyFilter> registration = new FilterRegistrationBean<>(new ContentPolicyFilter());
        registration.addUrlPatterns(PATH + "*");
        registration.setEnabled(enabled);
        return registration;
    }

    /** Adds the console's Content-Security-Policy to its responses. */
    static final class ContentPolicyFilter extends OncePerRequestFilter {
        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            response.setHeader("Content-Security-Policy", POLICY);
            chain.doFilter(request, response);
        }
    }
}
