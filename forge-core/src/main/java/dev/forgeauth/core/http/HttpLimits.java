package dev.forgeauth.core.http;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Request size limits enforced by {@link HttpLimitsFilter}. Vert.x itself is configured with looser
 * limits so that requests over these reach the filter and get a JSON answer instead of a bare status.
 */
@ConfigMapping(prefix = "forge.http")
public interface HttpLimits {

    /** Largest accepted request body, in bytes. */
    @WithDefault("65536")
    long maxBodySize();

    /**
     * Refuse request bodies without a Content-Length (411). Right for services whose bodies are small
     * forms and JSON; the gateway turns it off, since it streams bodies of any size to upstreams.
     */
    @WithDefault("true")
    boolean requireContentLength();

    /** Largest accepted total size of request header names and values, in bytes. */
    @WithDefault("16384")
    int maxHeaderSize();
}
