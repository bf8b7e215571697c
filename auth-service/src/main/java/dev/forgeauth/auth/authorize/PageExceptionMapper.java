package dev.forgeauth.auth.authorize;

import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Pages answer their own errors as pages. */
public class PageExceptionMapper {

    @ServerExceptionMapper
    public Response page(LoginPagesResource.PageException e) {
        return e.response;
    }
}
