package io.runnel.bench;

/**
 * Record values: compact JSON objects of an exact size in bytes (ASCII only), carrying a sequence
 * number and a send time ({@code System.nanoTime()}, or 0) that the latency scenarios read back:
 * {@code {"seq":N,"sent":T,"src":"runnel-bench","pad":"abc…"}}. Stateless.
 */
final class Values {
    static final int MIN_SIZE = 64;

    private Values() {
    }

    static String of(long seq, long sent, int size) {
        String head = "{\"seq\":" + seq + ",\"sent\":" + sent + ",\"src\":\"runnel-bench\",\"pad\":\"";
        int pad = size - head.length() - 2;
        if (pad < 0) {
            throw new IllegalArgumentException("value size " + size + " too small");
        }
        StringBuilder sb = new StringBuilder(size).append(head);
        for (int i = 0; i < pad; i++) {
            sb.append((char) ('a' + (int) ((seq + i) % 26)));
        }
        return sb.append("\"}").toString();
    }
}
