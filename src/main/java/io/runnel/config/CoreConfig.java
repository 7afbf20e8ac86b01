package io.runnel.config;

import io.runnel.storage.DataLayout;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wiring of the Spring-free parts: the clock the storage engine and services read, and the
 * layout of {@code runnel.data-dir}.
 */
@Configuration(proxyBeanMethods = false)
class CoreConfig {
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    DataLayout dataLayout(RunnelProperties props) {
        return new DataLayout(props.dataDir());
    }
}
