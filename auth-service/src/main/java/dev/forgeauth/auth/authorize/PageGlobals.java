package dev.forgeauth.auth.authorize;

import dev.forgeauth.auth.config.FrontDoor;
import io.quarkus.arc.Arc;
import io.quarkus.qute.TemplateGlobal;

/** What every page template can use: {@code {base}}, the front door's origin, for form actions and links. */
@TemplateGlobal
public final class PageGlobals {

    private PageGlobals() {
    }

    /** The issuer's origin: forms post to the front door, whatever host the request came in on. */
    static String base() {
        return Arc.container().instance(FrontDoor.class).get().base();
    }
}
