package io.runnel.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns the subject of a TLS client certificate into a principal name, by the rules of Kafka's
 * {@code ssl.principal.mapping.rules} ({@code runnel.security.ssl-principal-mapping-rules}).
 *
 * <p>Syntax: rules separated by commas or line breaks (whitespace around them, and a trailing separator, ignored), each either
 * <ul>
 *   <li>{@code DEFAULT}: the whole distinguished name, e.g. {@code CN=alice,OU=eng,O=Acme}; or</li>
 *   <li>{@code RULE:pattern/replacement/} with an optional {@code L} (lower-case the result) or {@code U}
 *       (upper-case it) after the last slash. {@code pattern} is a Java regular expression that must match
 *       the whole name; {@code replacement} may use its groups ({@code $1}). A backslash escapes the next
 *       character, so {@code \/} puts a slash into either part (commas inside a rule need no escape).</li>
 * </ul>
 * The distinguished name is the RFC 2253 form of the subject ({@code X500Principal.getName()}, as Kafka uses:
 * no spaces after commas, most significant part last). The first rule that matches decides; if none matches,
 * or the first match gives an empty name, the certificate maps to no principal and is refused. A blank
 * setting means {@code DEFAULT}. Example:
 * <pre>
 * RULE:^CN=([^,]+),OU=ServiceUsers,.*$/svc-$1/L, RULE:^CN=([^,]+),.*$/$1/, DEFAULT
 * </pre>
 * maps {@code CN=Billing,OU=ServiceUsers,O=Acme} to {@code svc-billing} and {@code CN=alice,OU=eng,O=Acme}
 * to {@code alice}.
 *
 * <p>A parsed mapper is immutable and thread-safe; a rule list that does not parse (or a pattern that does
 * not compile, or a replacement naming a group the pattern lacks) is refused at {@link #parse} with the
 * position of the error, so a node with bad rules does not start.
 */
public final class SslPrincipalMapper {
    public static final String DEFAULT = "DEFAULT";
    private static final String RULE_PREFIX = "RULE:";
    private static final Pattern GROUP_REFERENCE = Pattern.compile("\\$(\\d+)");

    private enum Case { KEEP, LOWER, UPPER }

    /** One rule; {@code pattern == null} is {@code DEFAULT}. */
    private record Rule(Pattern pattern, String replacement, Case resultCase, String text) {
        Optional<String> apply(String distinguishedName) {
            if (pattern == null) {
                return Optional.of(distinguishedName);
            }
            Matcher matcher = pattern.matcher(distinguishedName);
            if (!matcher.matches()) {
                return Optional.empty();
            }
            String name;
            try {
                name = matcher.replaceAll(replacement);
            } catch (IllegalArgumentException | IndexOutOfBoundsException badReplacement) { // e.g. an unknown named group
                return Optional.of("");
            }
            return Optional.of(switch (resultCase) {
                case LOWER -> name.toLowerCase(Locale.ROOT);
                case UPPER -> name.toUpperCase(Locale.ROOT);
                case KEEP -> name;
            });
        }
    }

    private final List<Rule> rules;

    private SslPrincipalMapper(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** The mapper of a rule list; {@link IllegalArgumentException} saying where it is wrong. */
    public static SslPrincipalMapper parse(String text) {
        if (text == null || text.isBlank()) {
            return new SslPrincipalMapper(List.of(new Rule(null, null, Case.KEEP, DEFAULT)));
        }
        return new SslPrincipalMapper(new Parser(text).rules());
    }

    /** The principal name of a certificate subject, or empty when no rule maps it. */
    public Optional<String> map(String distinguishedName) {
        for (Rule rule : rules) {
            Optional<String> name = rule.apply(distinguishedName);
            if (name.isPresent()) {
                return name.filter(n -> !n.isEmpty());
            }
        }
        return Optional.empty();
    }

    /** The rules as written, in order. */
    @Override
    public String toString() {
        return String.join(", ", rules.stream().map(Rule::text).toList());
    }

    /** A one-pass reader of the rule list. */
    private static final class Parser {
        private final String text;
        private int pos;

        Parser(String text) {
            this.text = text;
        }

        List<Rule> rules() {
            List<Rule> rules = new ArrayList<>();
            skipWhitespace(true);
            while (pos < text.length()) {
                rules.add(rule());
                skipWhitespace(false);
                if (pos == text.length()) {
                    break;
                }
                char separator = text.charAt(pos);
                if (separator != ',' && separator != '\n') {
                    throw error("expected ',' or a line break after a rule");
                }
                pos++;
                skipWhitespace(true);
            }
            return rules;
        }

        private Rule rule() {
            int start = pos;
            if (text.startsWith(DEFAULT, pos)) {
                pos += DEFAULT.length();
                return new Rule(null, null, Case.KEEP, DEFAULT);
            }
            if (!text.startsWith(RULE_PREFIX, pos)) {
                throw error("expected DEFAULT or RULE:pattern/replacement/[LU]");
            }
            pos += RULE_PREFIX.length();
            int patternStart = pos;
            String regex = untilSlash("the pattern");
            String replacement = untilSlash("the replacement");
            Case resultCase = Case.KEEP;
            if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'U')) {
                resultCase = text.charAt(pos) == 'L' ? Case.LOWER : Case.UPPER;
                pos++;
            }
            Pattern pattern;
            try {
                pattern = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("ssl principal mapping rules: the pattern at position " + patternStart
                        + " is not a regular expression: " + e.getDescription(), e);
            }
            int groups = pattern.matcher("").groupCount();
            Matcher references = GROUP_REFERENCE.matcher(replacement);
            while (references.find()) {
                if (references.start() > 0 && replacement.charAt(references.start() - 1) == '\\') {
                    continue; // an escaped dollar sign
                }
                if (Integer.parseInt(references.group(1)) > groups) {
                    throw new IllegalArgumentException("ssl principal mapping rules: the replacement of the rule at position "
                            + start + " uses " + references.group() + " but its pattern has " + groups + " group(s)");
                }
            }
            return new Rule(pattern, replacement, resultCase, text.substring(start, pos));
        }

        /** The text up to the next unescaped slash, which is consumed; escapes are kept for the regex engine. */
        private String untilSlash(String part) {
            StringBuilder out = new StringBuilder();
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (c == '\\' && pos + 1 < text.length()) {
                    out.append(c).append(text.charAt(pos + 1));
                    pos += 2;
                } else if (c == '/') {
                    pos++;
                    return out.toString();
                } else {
                    out.append(c);
                    pos++;
                }
            }
            throw error(part + " is not closed by '/'");
        }

        private void skipWhitespace(boolean lineBreaksToo) {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos)) && (lineBreaksToo || text.charAt(pos) != '\n')) {
                pos++;
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("ssl principal mapping rules: " + what + " at position " + pos + " of '" + text + "'");
        }
    }
}
