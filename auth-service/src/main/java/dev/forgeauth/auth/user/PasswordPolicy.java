package dev.forgeauth.auth.user;

import dev.forgeauth.core.error.OAuthException;
import java.util.Locale;
import java.util.Set;

/**
 * What a password must be (NIST SP 800-63B §5.1.1.2): long enough, not absurdly long, not one of the
 * passwords everybody tries first, not the account's own email, not one repeated character. No
 * composition rules: they make passwords harder to remember, not to guess.
 */
public final class PasswordPolicy {

    public static final int MIN_LENGTH = 10;
    public static final int MAX_LENGTH = 128;

    /** The head of the public lists of most-used passwords, and this product's own obvious ones. */
    private static final Set<String> COMMON = Set.of(
            "password", "password1", "password12", "password123", "password1234", "passw0rd", "p@ssw0rd",
            "123456", "1234567", "12345678", "123456789", "1234567890", "12345678910", "0123456789", "987654321",
            "qwerty", "qwerty123", "qwertyuiop", "qwerty12345", "1q2w3e4r5t", "1qaz2wsx3edc", "zaq12wsx",
            "abc123", "abcd1234", "abcdefghij", "iloveyou", "iloveyou123", "admin", "admin123", "admin12345",
            "administrator", "welcome", "welcome123", "welcome1234", "letmein", "letmein123", "monkey",
            "dragon", "football", "baseball", "sunshine", "princess", "trustno1", "superman", "batman123",
            "starwars", "whatever", "shadow", "master", "michael", "jennifer", "computer", "internet",
            "changeme", "changeme123", "secret", "secret123", "default", "guest", "login", "test1234",
            "testtest", "forgeauth", "forge-auth", "deployforge", "deployforge1", "111111", "1111111111",
            "000000", "0000000000", "aaaaaa", "asdfghjkl", "asdf1234", "zxcvbnm", "zxcvbnm123",
            "correcthorsebatterystaple", "summer2024", "winter2024", "spring2025", "autumn2025", "summer2026");

    private PasswordPolicy() {
    }

    public static void check(String password, String email) {
        if (password == null || password.length() < MIN_LENGTH) {
            throw weak("Password must be at least " + MIN_LENGTH + " characters");
        }
        if (password.length() > MAX_LENGTH) {
            throw weak("Password must be at most " + MAX_LENGTH + " characters");
        }
        String lower = password.toLowerCase(Locale.ROOT);
        if (COMMON.contains(lower) || COMMON.contains(lower.replaceAll("[0-9!.]+$", ""))) {
            throw weak("This password is too common; choose another");
        }
        if (lower.chars().distinct().count() < 4) {
            throw weak("Password must not be one character repeated");
        }
        if (email != null) {
            String local = email.toLowerCase(Locale.ROOT).split("@", 2)[0];
            if (lower.equals(email.toLowerCase(Locale.ROOT)) || local.length() >= 4 && lower.contains(local)) {
                throw weak("Password must not contain the email address");
            }
        }
    }

    private static OAuthException weak(String description) {
        return new OAuthException("invalid_password", description, 400);
    }
}
