package io.runnel.topic;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import java.util.regex.Pattern;

/** Kafka's naming rule for topics and groups: 1–249 of {@code [a-zA-Z0-9._-]}, not "." or "..". */
public final class Names {
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private Names() {
    }

    public static boolean isLegal(String name) {
        return name != null && LEGAL.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    /** Returns {@code name} if legal, else throws {@code 422 INVALID_TOPIC_NAME}. */
    public static String checkTopic(String name) {
        if (!isLegal(name)) {
            throw new RunnelException(ErrorCode.INVALID_TOPIC_NAME,
                    "topic names are 1-249 characters of [a-zA-Z0-9._-], and not '.' or '..'").with("topic", String.valueOf(name));
        }
        return name;
    }

    /** Returns {@code name} if legal, else throws {@code 422 INVALID_GROUP_NAME}. */
    public static String checkGroup(String name) {
        if (!isLegal(name)) {
            throw new RunnelException(ErrorCode.INVALID_GROUP_NAME,
                    "group names are 1-249 characters of [a-zA-Z0-9._-], and not '.' or '..'").with("group", String.valueOf(name));
        }
        return name;
    }
}
