package io.runnel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the header lines say about the machine: cores, CPU model, memory, OS and JVM, and the load
 * averages (to show whether something else was using it). Reads {@code /proc} where there is one.
 * Stateless.
 */
final class Machine {
    private Machine() {
    }

    /** The "# machine:" line's text. */
    static String describe() {
        StringBuilder sb = new StringBuilder();
        Runtime rt = Runtime.getRuntime();
        sb.append("cores=").append(rt.availableProcessors());
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    sb.append(" cpu=\"").append(line.substring(line.indexOf(':') + 1).trim()).append('"');
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal")) {
                    sb.append(" mem=").append(line.substring(line.indexOf(':') + 1).trim().replace(" ", ""));
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the rest is enough
        }
        sb.append(" os=").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"))
                .append(' ').append(System.getProperty("os.arch"));
        sb.append(" java=").append(System.getProperty("java.version")).append(" (").append(System.getProperty("java.vm.name"))
                .append(' ').append(System.getProperty("java.vm.version")).append(')');
        return sb.toString();
    }

    /** The 1/5/15-minute load averages, or "n/a". */
    static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }
}
