package io.runnel.bench;

import java.nio.charset.StandardCharsets;

/**
 * Reads what the benchmark needs from Runnel's JSON answers by scanning bytes, without a JSON
 * parser: the program has no dependencies, and a scan costs the client less CPU, which it shares
 * with the node. It relies on Runnel writing compact JSON ({@code "key":value}, no spaces inside
 * the records). Stateless.
 */
final class JsonScan {
    private JsonScan() {
    }

    /** How many times needle occurs in hay, without overlaps. */
    static int count(byte[] hay, byte[] needle) {
        int n = 0;
        outer:
        for (int i = 0, last = hay.length - needle.length; i <= last; i++) {
            if (hay[i] != needle[0]) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            n++;
            i += needle.length - 1;
        }
        return n;
    }

    /** The first index at or after from where needle occurs in hay, or -1. */
    static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from), last = hay.length - needle.length; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The number after the last occurrence of "key": in body, or -1. */
    static long lastNumber(byte[] body, String key) {
        byte[] k = ("\"" + key + "\":").getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = body.length - k.length; i >= 0; i--) {
            for (int j = 0; j < k.length; j++) {
                if (body[i + j] != k[j]) {
                    continue outer;
                }
            }
            int p = i + k.length;
            while (p < body.length && body[p] == ' ') {
                p++;
            }
            long v = 0;
            int digits = 0;
            while (p < body.length && body[p] >= '0' && body[p] <= '9') {
                v = v * 10 + (body[p++] - '0');
                digits++;
            }
            return digits == 0 ? -1 : v;
        }
        return -1;
    }

    /** The number after "key": at or after from in s; {value, index after it} or null. */
    static long[] numberAfter(String s, String key, int from) {
        int i = s.indexOf("\"" + key + "\":", from);
        if (i < 0) {
            return null;
        }
        int p = i + key.length() + 3;
        while (p < s.length() && s.charAt(p) == ' ') {
            p++;
        }
        long v = 0;
        int start = p;
        while (p < s.length() && Character.isDigit(s.charAt(p))) {
            v = v * 10 + (s.charAt(p++) - '0');
        }
        return p == start ? null : new long[] {v, p};
    }

    /** The non-negative integer at b[p...]: {value, index after it}, or null. */
    static long[] numberAt(byte[] b, int p) {
        long v = 0;
        int start = p;
        while (p < b.length && b[p] >= '0' && b[p] <= '9') {
            v = v * 10 + (b[p++] - '0');
        }
        return p == start ? null : new long[] {v, p};
    }

    /** The string value after the first "key":" in body, or null. */
    static String stringAfter(byte[] body, String key) {
        byte[] k = ("\"" + key + "\":\"").getBytes(StandardCharsets.US_ASCII);
        int i = indexOf(body, k, 0);
        if (i < 0) {
            return null;
        }
        int from = i + k.length;
        int to = from;
        while (to < body.length && body[to] != '"') {
            to++;
        }
        return new String(body, from, to - from, StandardCharsets.UTF_8);
    }
}
