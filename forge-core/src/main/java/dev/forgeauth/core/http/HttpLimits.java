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
    int maxBodySize();

    /** Largest accepted total size of request header names and values, in bytes. */
    @WithDefault("16384")
    int maxHeaderSize();
}
