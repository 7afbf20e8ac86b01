package io.runnel.config;

import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wiring of the Spring-free parts: the clock the storage engine and services read. */
@Configuration(proxyBeanMethods = false)
class CoreConfig {
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
