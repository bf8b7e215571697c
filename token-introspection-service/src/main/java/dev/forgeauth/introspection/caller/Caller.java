package dev.forgeauth.introspection.caller;

/** Who is asking: a client (by Basic credentials or by its access token). */
public record Caller(String clientId) {
}
