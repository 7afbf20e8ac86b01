package io.runnel.bench;

import java.util.List;

/**
 * One command-line option of {@link RunnelBench}, as {@link Options#TABLE} declares it: the option
 * is parsed, defaulted and described in {@code --help} from this entry alone.
 *
 * <p>A value: immutable, thread-safe.
 *
 * @param name  the option without its leading {@code --}
 * @param arg   the placeholder of its value in the help ({@code N}, {@code LIST}…), or null for a flag,
 *              which takes no value ({@code --quick}; {@code --quick=false} also works)
 * @param full  the default, as it would be typed on the command line
 * @param quick the default under {@code --quick}, or null when it is {@code full}
 * @param shown what the help gives as the default: null derives "default FULL; quick QUICK", "" shows none
 * @param help  the help text, one paragraph; {@link #helpLines()} wraps it
 */
record Option(String name, String arg, String full, String quick, String shown, String help) {

    /** Width of the option column in the help; the text starts after it. */
    private static final int COLUMN = 30;
    /** Help lines are wrapped to this many characters. */
    private static final int WIDTH = 112;

    /** An option with a value and one default. */
    static Option of(String name, String arg, String full, String help) {
        return new Option(name, arg, full, null, null, help);
    }

    /** An option whose default is shorter under {@code --quick}. */
    static Option quick(String name, String arg, String full, String quick, String help) {
        return new Option(name, arg, full, quick, null, help);
    }

    /** A flag: false unless given. */
    static Option flag(String name, String help) {
        return new Option(name, null, "false", null, "", help);
    }

    /** The same option, with the help naming its default as {@code text} ("" for none). */
    Option showing(String text) {
        return new Option(name, arg, full, quick, text, help);
    }

    /** The default in a full or a quick run. */
    String defaultValue(boolean quickRun) {
        return quickRun && quick != null ? quick : full;
    }

    /** This option's lines of {@code --help}: the option and its placeholder, then the wrapped text. */
    List<String> helpLines() {
        String text = help;
        if (shown == null) {
            text += " (default " + full + (quick == null ? "" : "; quick " + quick) + ")";
        } else if (!shown.isEmpty()) {
            text += " (default " + shown + ")";
        }
        String head = "  --" + name + (arg == null ? "" : " " + arg);
        List<String> lines = new java.util.ArrayList<>();
        StringBuilder line = new StringBuilder(head).append(" ".repeat(Math.max(1, COLUMN - head.length())));
        boolean fresh = true; // no word on this line yet
        for (String word : text.split(" ")) {
            if (!fresh && line.length() + 1 + word.length() > WIDTH) {
                lines.add(line.toString());
                line = new StringBuilder(" ".repeat(COLUMN));
                fresh = true;
            }
            line.append(fresh ? "" : " ").append(word);
            fresh = false;
        }
        lines.add(line.toString());
        return lines;
    }
}
