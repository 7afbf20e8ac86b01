package io.runnel.api;

import io.runnel.error.ErrorCode;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Names the problem codes an endpoint may answer with, so the OpenAPI document lists each with an example. */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
public @interface ProblemResponses {
    ErrorCode[] value();
}
