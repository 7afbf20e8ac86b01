package io.runnel.api;

import org.springframework.http.HttpInputMessage;
import org.springframework.http.MediaType;
import org.springframework.http.converter.AbstractHttpMessageConverter;
import org.springframework.http.converter.HttpMessageNotReadableException;

/**
 * Base of the converters that write one response type as JSON by hand (with {@link RawJsonWriter},
 * copying stored record bytes) and never read it.
 */
public abstract class WriteOnlyJsonConverter<T> extends AbstractHttpMessageConverter<T> {
    private final Class<T> type;

    protected WriteOnlyJsonConverter(Class<T> type) {
        super(MediaType.APPLICATION_JSON);
        this.type = type;
    }

    @Override
    protected boolean supports(Class<?> clazz) {
        return type.equals(clazz);
    }

    @Override
    protected boolean canRead(MediaType mediaType) {
        return false;
    }

    @Override
    protected T readInternal(Class<? extends T> clazz, HttpInputMessage input) {
        throw new HttpMessageNotReadableException(type.getSimpleName() + " is written, never read", input);
    }
}
