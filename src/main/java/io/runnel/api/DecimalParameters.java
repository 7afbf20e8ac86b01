package io.runnel.api;

import java.beans.PropertyEditorSupport;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;

/**
 * Whole numbers in paths and query parameters are plain decimal ({@code -?[0-9]+}). Spring's default
 * editors read {@code 0x1}, {@code #1} and {@code +1} as numbers ({@link Integer#decode}), and fall
 * back to them even when a stricter converter refused, so the strict rule is bound as the editor
 * itself. A refused value is a type mismatch: {@code 400 INVALID_PARAMETER} naming the parameter.
 */
@ControllerAdvice
class DecimalParameters {
    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]{1,19}");

    @InitBinder
    void decimalOnly(WebDataBinder binder) {
        binder.registerCustomEditor(int.class, new Decimal<>(Integer::valueOf));
        binder.registerCustomEditor(Integer.class, new Decimal<>(Integer::valueOf));
        binder.registerCustomEditor(long.class, new Decimal<>(Long::valueOf));
        binder.registerCustomEditor(Long.class, new Decimal<>(Long::valueOf));
    }

    /** Parses plain decimal text; anything else is refused. Blank text of a boxed type binds as null. */
    private static final class Decimal<T> extends PropertyEditorSupport {
        private final Function<String, T> parse;

        Decimal(Function<String, T> parse) {
            this.parse = parse;
        }

        @Override
        public void setAsText(String text) {
            String trimmed = text == null ? "" : text.trim();
            if (trimmed.isEmpty()) {
                setValue(null);
                return;
            }
            if (!DECIMAL.matcher(trimmed).matches()) {
                throw new IllegalArgumentException("not a decimal whole number: '" + text + "'");
            }
            setValue(parse.apply(trimmed));
        }
    }
}
