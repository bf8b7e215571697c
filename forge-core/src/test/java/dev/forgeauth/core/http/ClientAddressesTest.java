package dev.forgeauth.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** Issue 21 point 11: IPv6 clients are limited by their /64, not by each of its 2^64 addresses. */
class ClientAddressesTest {

    @Test
    void ipv6AddressesOfOneSlash64ShareOneKey() {
        String a = ClientAddresses.limitKey("2001:db8:abcd:12:1111:2222:3333:4444");
        assertEquals("2001:db8:abcd:12::/64", a);
        assertEquals(a, ClientAddresses.limitKey("2001:db8:abcd:12::1"));
        assertEquals(a, ClientAddresses.limitKey("[2001:0DB8:ABCD:0012:ffff::9]"));
        assertEquals(a, ClientAddresses.limitKey("2001:db8:abcd:12::7%eth0"));
        assertNotEquals(a, ClientAddresses.limitKey("2001:db8:abcd:13::1"), "the next /64 is someone else");
    }

    @Test
    void ipv4AddressesCountAlone() {
        assertEquals("192.0.2.1", ClientAddresses.limitKey("192.0.2.1"));
        assertEquals("192.0.2.1", ClientAddresses.limitKey("::ffff:192.0.2.1"), "IPv4-mapped is the IPv4 address");
        assertNotEquals(ClientAddresses.limitKey("192.0.2.1"), ClientAddresses.limitKey("192.0.2.2"));
        assertEquals("unknown", ClientAddresses.limitKey(null));
        assertEquals("not-an-ip.example", ClientAddresses.limitKey("not-an-ip.example"), "no name lookup");
    }
}
