package dev.forgeauth.core.http;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The key under which a client address is counted by per-address limits (login throttle, client
 * authentication, device authorization, gateway limits).
 *
 * <p>An IPv4 address counts alone. An IPv6 client is counted by its /64: one customer, one home or one
 * cloud instance routinely holds a whole /64 (RFC 6177, SLAAC privacy addresses of RFC 8981), so keying
 * by the full address would hand an attacker 2^64 fresh counters. IPv4-mapped IPv6 addresses
 * ({@code ::ffff:192.0.2.1}) count as the IPv4 address they carry.
 */
public final class ClientAddresses {

    private ClientAddresses() {
    }

    /** {@code 192.0.2.1}, {@code 2001:db8:1:2::/64}, or the input itself when it is not an IP literal. */
    public static String limitKey(String address) {
        if (address == null || address.isBlank()) {
            return "unknown";
        }
        String a = address.trim();
        if (a.startsWith("[") && a.endsWith("]")) {
            a = a.substring(1, a.length() - 1);
        }
        int zone = a.indexOf('%');
        if (zone >= 0) {
            a = a.substring(0, zone);
        }
        if (a.indexOf(':') < 0 || !literal(a)) {
            return a;
        }
        InetAddress ip;
        try {
            ip = InetAddress.getByName(a); // an IP literal only (checked above): no name lookup
        } catch (UnknownHostException e) {
            return a;
        }
        if (!(ip instanceof Inet6Address)) {
            return ip.getHostAddress(); // ::ffff:a.b.c.d
        }
        byte[] b = ip.getAddress();
        StringBuilder sb = new StringBuilder(24);
        for (int i = 0; i < 8; i += 2) {
            sb.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))).append(':');
        }
        return sb.append(":/64").toString();
    }

    private static boolean literal(String a) {
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
                return false;
            }
        }
        return true;
    }
}
