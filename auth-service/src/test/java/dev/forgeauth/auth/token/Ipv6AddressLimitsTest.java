package dev.forgeauth.auth.token;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forgeauth.auth.support.TestClients;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 point 11: an IPv6 client is one address to the limits by its /64, so rotating through the
 * 2^64 addresses of its network gains nothing. (Test limit: 5 failures per client id and address.)
 */
@QuarkusTest
class Ipv6AddressLimitsTest {

    static String slash64() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "2001:db8:" + Integer.toHexString(r.nextInt(0x10000)) + ":" + Integer.toHexString(r.nextInt(0x10000)) + ":";
    }

    static Response token(String id, String secret, String address) {
        return given().header("X-Forwarded-For", address).auth().preemptive().basic(id, secret)
                .formParam("grant_type", "client_credentials").post("/oauth/token");
    }

    @Test
    void clientSecretGuessesFromOneSlash64CountAsOneAddress() {
        TestClients.Registered c = TestClients.client().register();
        String net = slash64();
        for (int i = 1; i <= 6; i++) {
            // five failures are allowed; the sixth, from yet another address of the /64, starts the block
            assertEquals(i <= 5 ? 401 : 429,
                    token(c.id(), "wrong-" + i, net + Integer.toHexString(i * 7919) + ":0:0:" + i).statusCode());
        }
        // the 2^64 other addresses of that network are the same place to the limiter
        Response locked = token(c.id(), c.secret(), net + "dead:beef:0:1");
        assertEquals(429, locked.statusCode(), locked.asString());
        // another network, and IPv4, are someone else
        assertEquals(200, token(c.id(), c.secret(), slash64() + "0:0:0:1").statusCode());
        assertEquals(200, token(c.id(), c.secret(), "198.51.100." + ThreadLocalRandom.current().nextInt(1, 250)).statusCode());
    }
}
