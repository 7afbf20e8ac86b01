package io.runnel.partition;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Refuses API calls with {@code 503 NOT_READY} while the partition logs are still being opened
 * and recovered after a start, so nobody is told a topic does not exist when it is only not loaded
 * yet. Actuator endpoints (health, for probes), the API documentation and the cluster membership calls
 * between instances ({@code /internal/cluster/**}: an instance still finding its cluster must be asked
 * and answer) are not gated.
 */
@Configuration(proxyBeanMethods = false)
class ReadinessGate implements WebMvcConfigurer, HandlerInterceptor {
    private final LogManager logs;

    ReadinessGate(LogManager logs) {
        this.logs = logs;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(this).excludePathPatterns("/actuator/**", "/v3/api-docs/**", "/swagger-ui/**",
                "/swagger-ui.html", "/error",
                "/internal/cluster/**");
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (!logs.isLoaded()) {
            throw new RunnelException(ErrorCode.NOT_READY, "the node is still opening and recovering its logs; retry shortly");
        }
        return true;
    }
}
