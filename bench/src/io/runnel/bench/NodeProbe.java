package io.runnel.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node's memory, threads and open files, for the sse-idle scenario: from {@code /proc/<pid>}
 * and, for the heap after a full GC, from {@code jcmd <pid> GC.run} then {@code GC.heap_info}
 * (the node must run as the same user, with a JDK's jcmd beside this program's java). -1 where
 * unknown. Stateless.
 */
final class NodeProbe {
    private static final Pattern HEAP = Pattern.compile("total (\\d+)K, used (\\d+)K");

    private NodeProbe() {
    }

    /** {VmRSS kB, threads, open fds}, -1 where unknown. */
    static long[] node(long pid) {
        long rss = -1, threads = -1, fds = -1;
        if (pid > 0) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    } else if (line.startsWith("Threads:")) {
                        threads = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
                try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                    fds = s.count();
                }
            } catch (IOException | RuntimeException e) {
                // not Linux, or not ours
            }
        }
        return new long[] {rss, threads, fds};
    }

    /** The output of {@code jcmd <pid> <command>}, or null if it failed. */
    static String jcmd(long pid, String command) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (pid <= 0 || !Files.isExecutable(jcmd)) {
            return null;
        }
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroy();
                return null;
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    /**
     * {VmRSS kB, threads, open fds, then after a full GC: heap used kB, heap committed kB, VmRSS kB},
     * -1 where unknown.
     */
    static long[] sample(long pid) {
        long[] n = node(pid);
        long used = -1, total = -1;
        if (jcmd(pid, "GC.run") != null) {
            String info = jcmd(pid, "GC.heap_info");
            Matcher m = HEAP.matcher(info == null ? "" : info);
            if (m.find()) {
                total = Long.parseLong(m.group(1));
                used = Long.parseLong(m.group(2));
            }
        }
        return new long[] {n[0], n[1], n[2], used, total, node(pid)[0]};
    }

    /** A {@link #sample} in words. */
    static String describe(long[] n) {
        return String.format(Locale.ROOT, "rss %s MB, threads %d, open fds %d; after a full GC: heap used %s MB of %s MB committed, rss %s MB",
                mb(n[0]), n[1], n[2], mb(n[3]), mb(n[4]), mb(n[5]));
    }

    private static String mb(long kb) {
        return kb < 0 ? "?" : String.format(Locale.ROOT, "%.1f", kb / 1024.0);
    }
}
