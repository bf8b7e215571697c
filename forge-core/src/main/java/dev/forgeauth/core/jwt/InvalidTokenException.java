package dev.forgeauth.core.jwt;

/**
 * A token that is not valid. The reason is for logs and tests only: introspection answers
 * {@code {"active": false}} whatever it is, and the gateway a generic {@code invalid_token}.
 */
public class InvalidTokenException extends RuntimeException {

    public InvalidTokenException(String reason) {
        super(reason, null, false, false);
    }
}
