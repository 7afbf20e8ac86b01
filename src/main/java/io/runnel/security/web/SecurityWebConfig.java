package io.runnel.security.web;

import io.runnel.api.Problems;
import io.micrometer.core.instrument.MeterRegistry;
import io.runnel.config.RunnelExecutors;
import io.runnel.config.RunnelProperties;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.security.ApiCall;
import io.runnel.security.RequiredAccess;
import io.runnel.security.store.SecurityMetadata;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.config.annotation.web.configuration.WebSecurityCustomizer;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.firewall.FirewalledRequest;
import org.springframework.security.web.firewall.HttpFirewall;

/**
 * The one security filter chain. Spring Security only authenticates ({@link AuthenticationFilter}) and
 * keeps the unauthenticated out; what a principal may do is decided per call by the ACLs ({@link Guard}).
 *
 * <p>With {@code runnel.security.enabled=false} every request passes as {@link Caller#ANONYMOUS}. With it on:
 * <ul>
 *   <li>open without credentials: {@code /actuator/health/**}, {@code /actuator/info}, the Swagger UI and the
 *       OpenAPI document; the web console's static files and the redirects to it ({@code /}, {@code /console/**}:
 *       they hold no data, and the console sends the user's key on each API call); {@code /internal/**} (guarded by
 *       the cluster secret instead); {@code /error};</li>
 *   <li>{@code /actuator/prometheus} and other actuator endpoints: {@code DESCRIBE} on the cluster, unless
 *       {@code runnel.security.open-metrics} opens the first;</li>
 *   <li>everything else: any authenticated caller (then the controllers' checks);</li>
 *   <li>async and error dispatches are let through: the request was checked on its first dispatch, and a
 *       refusal then would fail a response already under way (an SSE stream, a long poll's answer).</li>
 * </ul>
 * No sessions, no CSRF (no cookies are ever accepted as credentials), no login pages. Spring Security's
 * default response headers stay ({@code X-Content-Type-Options}, {@code X-Frame-Options}, no caching of
 * answers that set no cache policy of their own).
 */
@Configuration(proxyBeanMethods = false)
class SecurityWebConfig {
    private static final String[] OPEN = {"/actuator/health", "/actuator/health/**", "/actuator/info", "/swagger-ui.html",
            "/swagger-ui/**", "/v3/api-docs", "/v3/api-docs/**", "/internal/**", "/error", "/", "/console", "/console/**"};

    /** The process's token for its server-side tasks' calls; made at start, kept in memory only. */
    @Bean
    TaskIdentity taskIdentity() {
        return new TaskIdentity();
    }

    @Bean
    SecurityFilterChain runnelFilterChain(HttpSecurity http, RunnelProperties props, SecurityMetadata metadata, Guard guard,
                                          MeterRegistry meters, RunnelExecutors executors, TaskIdentity tasks) throws Exception {
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .formLogin(login -> login.disable())
                .httpBasic(basic -> basic.disable())
                .logout(logout -> logout.disable())
                .anonymous(anonymous -> anonymous.disable());
        RunnelProperties.Security settings = props.security();
        if (!settings.enabled()) {
            return http.authorizeHttpRequests(rules -> rules.anyRequest().permitAll()).build();
        }
        AuthorizationManager<RequestAuthorizationContext> describeCluster = (authentication, context) -> new AuthorizationDecision(
                authentication.get() instanceof CallerAuthentication caller
                        && guard.allows(caller.caller(), RequiredAccess.forCall(ApiCall.SCRAPE_METRICS)));
        AuthenticationFailures failures = new AuthenticationFailures(meters, System::currentTimeMillis);
        AuthenticationFilter authentication = new AuthenticationFilter(settings, metadata, props.cluster().secret(), failures,
                executors.wakeups(), tasks);
        http.addFilterBefore(authentication, AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(rules -> {
                    rules.dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR).permitAll()
                            .requestMatchers(OPEN).permitAll();
                    if (settings.openMetrics()) {
                        rules.requestMatchers("/actuator/prometheus").permitAll();
                    }
                    rules.requestMatchers("/actuator/**").access(describeCluster)
                            .anyRequest().authenticated();
                })
                .exceptionHandling(errors -> errors
                        .authenticationEntryPoint((request, response, e) -> {
                            failures.failed(new AuthenticationFailures.Failure(request.getRemoteAddr(), FailureReason.MISSING,
                                    "no credential", request.getMethod(), request.getRequestURI()));
                            AuthenticationFilter.refuse(request, response, "this call needs a credential: Authorization: Bearer <api-key or "
                                    + "token>, or Basic with the key's id and the key, or a client certificate");
                        })
                        .accessDeniedHandler((request, response, e) -> {
                            if (!response.isCommitted()) {
                                Problems.write(response, RequiredAccess.forCall(ApiCall.SCRAPE_METRICS).allOf().get(0).reported().refusal());
                            }
                        }));
        return http.build();
    }

    /**
     * No Micrometer observation per security filter, authentication or authorization. Spring Security
     * wraps each of the chain's filters in an observation of its own when a registry is present (the
     * actuator's), on every request: in a profile of three instances under {@code acks=all} load that
     * wrapping cost a few per cent of the request threads' samples (see BENCHMARKS.md, issue 20). The requests
     * themselves are still timed ({@code http_server_requests_seconds}), and failed authentications
     * counted ({@code runnel_auth_failures_total}).
     */
    @Bean
    SecurityObservationSettings noSecurityObservations() {
        return SecurityObservationSettings.noObservations();
    }

    /**
     * No second URL firewall behind Jetty's: Jetty already refuses ambiguous and malformed URIs, and the API
     * checks names in paths itself and answers the contract's problems ({@code 422 INVALID_TOPIC_NAME} for
     * {@code %2E%2E} or {@code %2F}, {@code 404} for {@code /topics/../x}), which Spring Security's strict
     * firewall would turn into bare {@code 400}s. The authorization rules match the same parsed request path
     * that Spring MVC routes on, so a path cannot look open to one and route elsewhere in the other.
     */
    @Bean
    WebSecurityCustomizer noSecondFirewall() {
        HttpFirewall passThrough = new HttpFirewall() {
            @Override
            public FirewalledRequest getFirewalledRequest(HttpServletRequest request) {
                return new FirewalledRequest(request) {
                    @Override
                    public void reset() {
                    }
                };
            }

            @Override
            public HttpServletResponse getFirewalledResponse(HttpServletResponse response) {
                return response;
            }
        };
        return web -> web.httpFirewall(passThrough);
    }

    /** A URL Spring Security's firewall refuses (encoded slashes, control characters…) is the client's error. */
    @Bean
    RequestRejectedHandler requestRejectedHandler() {
        return (request, response, e) -> {
            if (!response.isCommitted()) {
                Problems.write(response, new RunnelException(ErrorCode.INVALID_REQUEST, "the request URL is not acceptable: "
                        + e.getMessage()));
            }
        };
    }
}
