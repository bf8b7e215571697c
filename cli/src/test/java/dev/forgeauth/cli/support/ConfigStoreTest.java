package dev.forgeauth.cli.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigStoreTest {

    @TempDir
    Path tmp;

    @Test
    void filesAre0600InDirectories0700EvenWhenTheyExistedLooser() throws Exception {
        Path dir = tmp.resolve("xdg/forge");
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        ConfigStore store = new ConfigStore(dir);
        Path f = store.profileFile("default");
        store.writePrivate(f, "{\"server\":\"http://x\"}");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        store.writePrivate(f, "{\"server\":\"http://y\"}");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.getParent())));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("xdg"))),
                "the directory above forge/ is not ours to change");
        assertEquals("{\"server\":\"http://y\"}", store.read(f));
        assertEquals(1, Files.list(f.getParent()).filter(p -> p.toString().endsWith(".tmp")).count() == 0 ? 1 : 0,
                "no temporary file left behind");
    }

    @Test
    void profileNamesCannotLeaveTheDirectory() {
        ConfigStore store = new ConfigStore(tmp);
        for (String bad : new String[] {"../x", "a/b", "", ".hidden", "x".repeat(65)}) {
            CliException e = assertThrows(CliException.class, () -> store.profileFile(bad));
            assertEquals(CliException.USAGE, e.exitCode());
        }
    }

    @Test
    void lockedRunsTheAction() {
        ConfigStore store = new ConfigStore(tmp.resolve("forge"));
        assertEquals("ok", store.locked(store.profileFile("p"), () -> "ok"));
    }
}
