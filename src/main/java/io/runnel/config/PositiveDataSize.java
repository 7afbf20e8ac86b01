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
import org.springframework.util.unit.DataSize;

/**
 * The annotated {@link DataSize} is from {@link #min()} (one byte unless set) to {@link #max()}
 * (data sizes as written in the configuration, e.g. {@code 64MB}). {@code null} is invalid too.
 */
@Documented
@Target({FIELD, PARAMETER})
@Retention(RUNTIME)
@Constraint(validatedBy = PositiveDataSize.Validator.class)
public @interface PositiveDataSize {
    String message() default "must be a data size from {min} to {max}";

    /** The smallest allowed size, e.g. {@code 64KB}. */
    String min() default "1B";

    /** The largest allowed size, e.g. {@code 1GB}. */
    String max();

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Checks {@link PositiveDataSize}. */
    class Validator implements ConstraintValidator<PositiveDataSize, DataSize> {
        private long minBytes;
        private long maxBytes;

        @Override
        public void initialize(PositiveDataSize constraint) {
            minBytes = Math.max(1, DataSize.parse(constraint.min()).toBytes());
            maxBytes = DataSize.parse(constraint.max()).toBytes();
        }

        @Override
        public boolean isValid(DataSize value, ConstraintValidatorContext context) {
            return value != null && value.toBytes() >= minBytes && value.toBytes() <= maxBytes;
        }
    }
}
