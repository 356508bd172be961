package dev.proctor.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class AddressGuardTest {

    @Test
    void internalAddressesAreRefusedByDefault() throws Exception {
        for (String a : new String[] {
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1"
        }) {
            assertTrue(AddressGuard.internal(InetAddress.getByName(a)), a);
        }
        assertFalse(AddressGuard.internal(InetAddress.getByName("93.184.216.34")));
        assertFalse(AddressGuard.internal(InetAddress.getByName("2606:4700::1111")));
        assertThrows(UnknownHostException.class, () -> AddressGuard.check(URI.create("http://127.0.0.1:9/x"), false));
        assertThrows(UnknownHostException.class, () -> AddressGuard.check(URI.create("http://localhost/x"), false));
        assertEquals(
                1, AddressGuard.check(URI.create("http://127.0.0.1:9/x"), true).size());
    }
}
