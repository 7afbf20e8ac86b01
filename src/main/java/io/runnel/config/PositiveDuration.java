package io.runnel.config;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import java.time.Duration;

/**
 * The annotated {@link Duration} is at least one millisecond: settings become periods and timeouts in
 * milliseconds, where zero or less fails (or means "never") far from the setting. {@code null} is
 * invalid too.
 */
@Documented
@Target({FIELD, PARAMETER})
@Retention(RUNTIME)
@Constraint(validatedBy = PositiveDuration.Validator.class)
public @interface PositiveDuration {
    String message() default "must be a duration of at least 1ms (e.g. 500ms, 10s, 5m)";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Checks {@link PositiveDuration}. */
    class Validator implements ConstraintValidator<PositiveDuration, Duration> {
        @Override
        public boolean isValid(Duration value, ConstraintValidatorContext context) {
            return value != null && value.toMillis() >= 1;
        }
    }
}
