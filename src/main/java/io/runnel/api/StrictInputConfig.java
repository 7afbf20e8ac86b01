package io.runnel.api;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.type.LogicalType;

/**
 * Input is taken as written, never reinterpreted:
 * <ul>
 *   <li>a JSON number or boolean where the contract says string (a topic name, a config value) is
 *       refused rather than turned into its text; {@link ProblemHandler} answers 422 with the code of
 *       the member ({@code INVALID_TOPIC_NAME}, {@code INVALID_CONFIG}), else {@code 400 MALFORMED_JSON};</li>
 *   <li>whole numbers in paths and query parameters (partitions, offsets, limits) are plain decimal:
 *       Spring's default would also read {@code 0x1}, {@code #1} or {@code 01} as octal/hex
 *       ({@link Integer#decode}); {@link DecimalParameters} makes those {@code 400 INVALID_PARAMETER}.</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class StrictInputConfig {

    @Bean
    JsonMapperBuilderCustomizer noScalarToStringCoercion() {
        return builder -> builder.withCoercionConfig(LogicalType.Textual, config -> config
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail));
    }
}
