package dev.forgeauth.cli.commands;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** RFC 8628 §5.4: the user is told when the device page is not on the server they log in to. */
class VerificationWarningTest {

    @Test
    void aVerificationPageOnTheServersHostIsNotWarnedAbout() {
        assertNull(LoginCommand.verificationWarning("https://auth.example.com",
                "https://auth.example.com/device", "https://AUTH.example.com/device?user_code=ABCD-EFGH"));
        assertNull(LoginCommand.verificationWarning("http://localhost:8080", "http://localhost:8080/device", null));
    }

    @Test
    void aVerificationPageOnAnotherHostIsWarnedAbout() {
        String w = LoginCommand.verificationWarning("https://auth.example.com",
                "https://auth.example.com.evil.example/device", null);
        assertNotNull(w);
        assertTrue(w.contains("auth.example.com.evil.example") && w.contains("auth.example.com"), w);
        assertNotNull(LoginCommand.verificationWarning("https://auth.example.com", "https://auth.example.com/device",
                "https://phish.example/device?user_code=ABCD"), "the complete URI counts too");
        assertNotNull(LoginCommand.verificationWarning("https://auth.example.com", "javascript:alert(1)", null));
        String escaped = LoginCommand.verificationWarning("https://a.example", "https://b.example\u001b[2J/device", null);
        assertNotNull(escaped);
        assertTrue(escaped.chars().noneMatch(c -> c < 0x20), escaped);
    }
}
