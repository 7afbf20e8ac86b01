package io.runnel;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point: one Spring Boot service that serves partitioned logs over HTTP. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class RunnelApplication {
    public static void main(String[] args) {
        SpringApplication.run(RunnelApplication.class, args);
    }
}
