package dev.proctor.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Refuses webhook targets inside the operator's network: loopback, link-local, private, unique-local,
 * multicast and unspecified addresses. The host is resolved and every address checked (a name with one
 * public and one private address is refused), and the caller connects to a checked address.
 */
public final class AddressGuard {

    private AddressGuard() {}

    /** The checked addresses of the URL's host; throws when any of them is internal. */
    public static List<InetAddress> check(URI url, boolean allowPrivate) throws UnknownHostException {
        InetAddress[] all = InetAddress.getAllByName(url.getHost());
        if (!allowPrivate) {
            for (InetAddress a : all) {
                if (internal(a)) {
                    throw new UnknownHostException(url.getHost() + " resolves to an internal address "
                            + a.getHostAddress() + " (set proctor.webhooks.allow-private=true to allow)");
                }
            }
        }
        return List.of(all);
    }

    static boolean internal(InetAddress a) {
        if (a.isLoopbackAddress()
                || a.isLinkLocalAddress()
                || a.isSiteLocalAddress()
                || a.isAnyLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int b0 = b[0] & 0xff;
            int b1 = b[1] & 0xff;
            return b0 == 0 || (b0 == 100 && b1 >= 64 && b1 < 128) || (b0 == 198 && (b1 == 18 || b1 == 19)) || b0 >= 240;
        }
        if (a instanceof Inet6Address) {
            // fc00::/7 unique local; ::ffff:a.b.c.d mapped addresses checked as IPv4
            if ((b[0] & 0xfe) == 0xfc) {
                return true;
            }
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return internal(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return true;
                }
            }
        }
        return false;
    }
}
