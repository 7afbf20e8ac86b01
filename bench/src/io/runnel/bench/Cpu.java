package io.runnel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * CPU accounting from Linux {@code /proc}: a sample taken at construction, and {@link #since()}
 * says how many cores the node, this program and everything else used from then to now. Without
 * {@code /proc} (not Linux) it says nothing. Immutable; one thread takes the sample and reads it.
 */
final class Cpu {
    private static final double TICKS_PER_SECOND = 100; // USER_HZ, 100 on every usual Linux build

    private final long serverPid;
    private final long wall = System.nanoTime();
    private final long machineBusy = machineBusyTicks();
    private final long self = processTicks("self");
    private final long server;

    /** A sample now; serverPid is the node's process id, or -1 when it is not on this machine. */
    Cpu(long serverPid) {
        this.serverPid = serverPid;
        this.server = serverPid > 0 ? processTicks(Long.toString(serverPid)) : -1;
    }

    /** user+nice+system+irq+softirq+steal of all cores, or -1. */
    private static long machineBusyTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += Long.parseLong(f[i]);
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** utime+stime of a process, or -1. */
    private static long processTicks(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** "cpu cores: node=1.52 bench=0.31 other=0.10" since this sample, or "" without /proc. */
    String since() {
        double seconds = (System.nanoTime() - wall) / 1e9;
        long busy = machineBusyTicks(), me = processTicks("self");
        if (busy < 0 || machineBusy < 0 || me < 0 || self < 0 || seconds <= 0) {
            return "";
        }
        double total = (busy - machineBusy) / TICKS_PER_SECOND / seconds;
        double bench = (me - self) / TICKS_PER_SECOND / seconds;
        long now = server >= 0 ? processTicks(Long.toString(serverPid)) : -1;
        if (now < 0) {
            return String.format(Locale.ROOT, "cpu cores: all=%.2f bench=%.2f", total, bench);
        }
        double node = (now - server) / TICKS_PER_SECOND / seconds;
        return String.format(Locale.ROOT, "cpu cores: node=%.2f bench=%.2f other=%.2f", node, bench,
                Math.max(0, total - node - bench));
    }
}
