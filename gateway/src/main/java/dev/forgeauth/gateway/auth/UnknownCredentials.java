package dev.forgeauth.gateway.auth;

import dev.forgeauth.gateway.config.GatewayConfig;
import jakarta.inject.Singleton;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Unknown credentials per client address: a well-formed opaque credential (prefix, length and checksum
 * right) that introspection does not know as active is a failure of its address; an address with {@code
 * per-address} failures in one window has further uncached credentials refused (429) without an
 * introspection call until the window ends. A flood of made-up credentials thus costs the introspection
 * service a bounded number of calls per address, while the credentials of everyone else, and those the
 * flooding address already had accepted (answered from the cache), go on working.
 *
 * <p>Counted by this gateway instance (no Redis round trip on a refusal): what it protects is this
 * instance's introspection connections. IPv6 clients are keyed by their /64, the block one subscriber
 * usually holds.
 */
@Singleton
public class UnknownCredentials {

    private static final Logger LOG = Logger.getLogger(UnknownCredentials.class);

    private final int limit;
    private final long windowNanos;
    private final int maxAddresses;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    static final class Window {
        long start;
        int failures;

        Window(long start) {
            this.start = start;
        }
    }

    public UnknownCredentials(GatewayConfig config) {
        GatewayConfig.UnknownCredentials c = config.unknownCredentials();
        this.limit = c.perAddress();
        this.windowNanos = c.window().toNanos();
        this.maxAddresses = c.maxAddresses();
    }

    /** Seconds until {@code address} may present an unknown credential again; 0 when it may now. */
    public long blockedFor(String address) {
        if (limit <= 0 || address == null) {
            return 0;
        }
        Window w = windows.get(key(address));
        if (w == null) {
            return 0;
        }
        synchronized (w) {
            long left = w.start + windowNanos - System.nanoTime();
            return left > 0 && w.failures >= limit ? Math.max(1, TimeUnit.NANOSECONDS.toSeconds(left + 999_999_999L)) : 0;
        }
    }

    /** {@code address} presented a well-formed credential that is not active. */
    public void failed(String address) {
        if (limit <= 0 || address == null) {
            return;
        }
        long now = System.nanoTime();
        String key = key(address);
        Window w = windows.get(key);
        if (w == null) {
            if (windows.size() >= maxAddresses) {
                sweep();
                if (windows.size() >= maxAddresses) {
                    LOG.warnf("unknown credentials: %d addresses tracked, not tracking more until the window ends", windows.size());
                    return;
                }
            }
            w = windows.computeIfAbsent(key, k -> new Window(now));
        }
        synchronized (w) {
            if (now - w.start >= windowNanos) {
                w.start = now;
                w.failures = 0;
            }
            w.failures++;
        }
    }

    /** Drops the windows that have ended (called periodically). */
    public void sweep() {
        long now = System.nanoTime();
        windows.values().removeIf(w -> {
            synchronized (w) {
                return now - w.start >= windowNanos;
            }
        });
    }

    /** The address an IPv4 client is counted under: itself; an IPv6 client: its /64. */
    public static String key(String address) {
        if (address.indexOf(':') < 0) {
            return address;
        }
        try {
            return ipv6Prefix(address);
        } catch (RuntimeException e) {
            return address;
        }
    }

    private static String ipv6Prefix(String address) {
        String a = address.startsWith("[") ? address.substring(1, address.length() - 1) : address;
        int zone = a.indexOf('%');
        if (zone >= 0) {
            a = a.substring(0, zone);
        }
        // expand "::" to find the first four groups
        String[] head;
        int gap = a.indexOf("::");
        if (gap >= 0) {
            String left = a.substring(0, gap);
            String[] l = left.isEmpty() ? new String[0] : left.split(":");
            String[] r = a.substring(gap + 2).isEmpty() ? new String[0] : a.substring(gap + 2).split(":");
            head = new String[8];
            java.util.Arrays.fill(head, "0");
            System.arraycopy(l, 0, head, 0, Math.min(l.length, 8));
            for (int i = 0; i < r.length && 8 - r.length + i >= 0; i++) {
                head[8 - r.length + i] = r[i];
            }
        } else {
            head = a.split(":");
        }
        StringBuilder sb = new StringBuilder(24);
        for (int i = 0; i < 4; i++) {
            String g = i < head.length ? head[i] : "0";
            sb.append(Integer.toHexString(g.isEmpty() ? 0 : Integer.parseInt(g, 16))).append(':');
        }
        return sb.append(":/64").toString();
    }
}
