package io.runnel.config;

import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import io.runnel.config.ClusterPeers;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/**
 * The rules of {@link RunnelProperties} that span several settings, each reported on the property
 * to change:
 * <ul>
 * <li>{@code runnel.cluster.peers} forms a cluster this instance belongs to ({@link ClusterPeers#of}:
 *     unique ids and endpoints, {@code runnel.node.id} or the host name listed);
 * <li>{@code runnel.cluster.secret} is set when peers are;
 * <li>{@code runnel.cluster.heartbeat-interval} is shorter than {@code runnel.cluster.session-timeout},
 *     else instances are marked offline between two heartbeats;
 * <li>{@code runnel.topics.default-replication-factor} is at most 1 without peers, else every topic
 *     created without a factor is refused. With peers it is not checked here: the peer list only says
 *     whom to contact (a joining instance may list just one other), and creating a topic checks the
 *     factor against the live instances.
 * </ul>
 */
@Documented
@Target(TYPE)
@Retention(RUNTIME)
@Constraint(validatedBy = ConsistentSettings.Validator.class)
public @interface ConsistentSettings {
    String message() default "inconsistent runnel.* settings";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Checks {@link ConsistentSettings}. */
    class Validator implements ConstraintValidator<ConsistentSettings, RunnelProperties> {
        @Override
        public boolean isValid(RunnelProperties props, ConstraintValidatorContext context) {
            if (props == null || props.cluster() == null || props.node() == null || props.topics() == null) {
                return true; // reported by the @NotNull / @Valid of each part
            }
            context.disableDefaultConstraintViolation();
            RunnelProperties.Cluster cluster = props.cluster();
            boolean valid = true;
            if (cluster.peers() != null && !cluster.peers().isEmpty()) {
                try {
                    ClusterPeers.of(cluster.peers(), props.node().idOrHostName());
                } catch (IllegalArgumentException e) {
                    valid = violation(context, e.getMessage(), "cluster", "peers");
                }
                if (cluster.secret() == null || cluster.secret().isBlank()) {
                    valid = violation(context, "is required when runnel.cluster.peers is set: instances authenticate "
                            + "their /internal/** calls with it", "cluster", "secret");
                }
            }
            if (cluster.heartbeatInterval() != null && cluster.sessionTimeout() != null
                    && cluster.heartbeatInterval().compareTo(cluster.sessionTimeout()) >= 0) {
                valid = violation(context, "must be shorter than runnel.cluster.session-timeout ("
                        + cluster.sessionTimeout() + ")", "cluster", "heartbeatInterval");
            }
            boolean singleNode = cluster.peers() == null || cluster.peers().isEmpty();
            if (singleNode && props.topics().defaultReplicationFactor() > 1) {
                valid = violation(context, "must be 0 (automatic) or at most the number of instances (1: no "
                        + "runnel.cluster.peers)", "topics", "defaultReplicationFactor");
            }
            valid &= securityIsConsistent(props.security(), context);
            return valid;
        }

        private static boolean securityIsConsistent(RunnelProperties.Security security, ConstraintValidatorContext context) {
            if (security == null || security.superUsers() == null || security.bootstrapKey() == null) {
                return true;
            }
            boolean valid = true;
            for (String superUser : security.superUsers()) {
                String why = superUserProblem(superUser);
                if (why != null) {
                    valid = violation(context, "'" + superUser + "' " + why, "security", "superUsers");
                }
            }
            if (security.enabled() && security.superUsers().stream().allMatch(s -> s == null || s.isBlank())) {
                valid = violation(context, "must name at least one principal when runnel.security.enabled is true: "
                        + "without a super-user nobody can ever create a key or an ACL", "security", "superUsers");
            }
            String key = security.bootstrapKey();
            if (!key.isEmpty() && (key.length() < RunnelProperties.Security.MIN_BOOTSTRAP_KEY_LENGTH || !key.chars().allMatch(c -> c > 32 && c < 127))) {
                valid = violation(context, "must be at least " + RunnelProperties.Security.MIN_BOOTSTRAP_KEY_LENGTH
                        + " printable ASCII characters without spaces (a random key, e.g. openssl rand -base64 32)", "security", "bootstrapKey");
            }
            return valid;
        }

        /** Why {@code principal} cannot be a super-user, null when it can: {@code Type:name}, and never {@code User:*}. */
        private static String superUserProblem(String principal) {
            if (principal == null || principal.isBlank()) {
                return null;
            }
            if (!principal.startsWith("User:") || principal.length() == "User:".length()) {
                return "is not a principal: write it as User:<name>, e.g. User:admin";
            }
            if (principal.equals("User:*")) {
                return "cannot be a super-user: it would make everyone one";
            }
            return null;
        }

        private static boolean violation(ConstraintValidatorContext context, String message, String record, String property) {
            context.buildConstraintViolationWithTemplate(escape(message))
                    .addPropertyNode(record).addPropertyNode(property).addConstraintViolation();
            return false;
        }

        /** Message templates interpret braces, dollars and backslashes; peer entries are the user's text. */
        private static String escape(String message) {
            return message.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}").replace("$", "\\$");
        }
    }
}
