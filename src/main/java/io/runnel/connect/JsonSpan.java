package io.runnel.connect;

/**
 * Where one JSON value ends in a byte array of well-formed JSON (which the caller's parser has checked): the index
 * just after its last byte. Strings are skipped with their escapes, arrays and objects by depth, and scalars
 * (numbers, {@code true}, {@code false}, {@code null}) end at the first structural character or whitespace.
 * Stateless. Public: streams splice fetched keys and values into produce bodies the same way.
 */
public final class JsonSpan {
    private JsonSpan() {
    }

    public static int end(byte[] json, int start) {
        byte first = json[start];
        if (first == '"') {
            return stringEnd(json, start);
        }
        if (first != '{' && first != '[') {
            int i = start;
            while (i < json.length && !isDelimiter(json[i])) {
                i++;
            }
            return i;
        }
        int depth = 0;
        int i = start;
        while (i < json.length) {
            byte b = json[i];
            if (b == '"') {
                i = stringEnd(json, i);
                continue;
            }
            if (b == '{' || b == '[') {
                depth++;
            } else if (b == '}' || b == ']') {
                depth--;
                if (depth == 0) {
                    return i + 1;
                }
            }
            i++;
        }
        throw new IllegalArgumentException("unterminated JSON value at byte " + start);
    }

    private static int stringEnd(byte[] json, int quote) {
        int i = quote + 1;
        while (i < json.length) {
            byte b = json[i];
            if (b == '\\') {
                i += 2;
            } else if (b == '"') {
                return i + 1;
            } else {
                i++;
            }
        }
        throw new IllegalArgumentException("unterminated JSON string at byte " + quote);
    }

    private static boolean isDelimiter(byte b) {
        return b == ',' || b == '}' || b == ']' || b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }
}
