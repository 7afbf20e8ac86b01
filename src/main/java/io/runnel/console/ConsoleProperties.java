package io.runnel.console;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code runnel.console.*}: whether this instance serves the built-in web console.
 *
 * @param enabled serve the console at {@code /console/} and redirect {@code /} there; when {@code false} both answer
 *                {@code 404} and the API is unchanged (the Helm chart's {@code console.enabled})
 */
@ConfigurationProperties("runnel.console")
record ConsoleProperties(@DefaultValue("true") boolean enabled) {
}
