package dev.forgeauth.deploy;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** IPv4/IPv6 CIDR arithmetic for the manifest checks (literals only, no name lookups). */
final class Cidr {

    private Cidr() {
    }

    static boolean contains(String cidr, String ip) {
        String[] parts = cidr.split("/");
        byte[] net = bytes(parts[0]);
        byte[] addr = bytes(ip);
        if (net.length != addr.length) {
            return false;
        }
        int prefix = parts.length > 1 ? Integer.parseInt(parts[1]) : net.length * 8;
        BigInteger mask = prefix == 0 ? BigInteger.ZERO
                : BigInteger.ONE.shiftLeft(prefix).subtract(BigInteger.ONE).shiftLeft(net.length * 8 - prefix);
        return new BigInteger(1, net).and(mask).equals(new BigInteger(1, addr).and(mask));
    }

    /** How many addresses a CIDR (or a single address) covers, as a power of two. */
    static int hostBits(String cidr) {
        String[] parts = cidr.split("/");
        int bits = bytes(parts[0]).length * 8;
        return parts.length > 1 ? bits - Integer.parseInt(parts[1]) : 0;
    }

    private static byte[] bytes(String literal) {
        String l = literal.trim().replace("[", "").replace("]", "");
        if (!l.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("not an IP literal: " + literal);
        }
        try {
            return InetAddress.getByName(l).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
