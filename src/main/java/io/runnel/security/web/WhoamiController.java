package io.runnel.security.web;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /whoami}: the principal a request authenticates as, and whether it is a super-user. Any
 * authenticated caller may ask; it needs no ACL. With security off everyone is {@code User:ANONYMOUS},
 * allowed everything.
 */
@Tag(name = "Security", description = "Who the caller is; API keys and Kafka-style ACLs")
@RestController
class WhoamiController {
    private final Guard guard;

    WhoamiController(Guard guard) {
        this.guard = guard;
    }

    @Schema(name = "Whoami")
    record Whoami(@Schema(example = "User:alice") String principal,
                  @Schema(description = "allowed everything, whatever the ACLs say (runnel.security.super-users)") boolean superUser) {
    }

    @Operation(operationId = "whoami", summary = "Who am I",
            description = "The principal this request authenticated as (an API key's, a JWT's claim, a client certificate's "
                    + "mapped subject) and whether it is a super-user. Needs no ACL. With security off "
                    + "(runnel.security.enabled=false) every caller is User:ANONYMOUS and a super-user.")
    @GetMapping("/whoami")
    Whoami whoami(Caller caller) {
        return new Whoami(caller.principal().toString(), guard.isSuperUser(caller));
    }
}
