package dev.forgeauth.cli.support;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The CLI's files under {@code $XDG_CONFIG_HOME/forge} ({@code ~/.config/forge} by default;
 * {@code FORGE_CONFIG_DIR} overrides): {@code profiles/<name>.json} (a server and its stored login) and
 * {@code cache/} (client-credentials tokens). Directories are 0700 and files 0600, set when created
 * and checked on every write; files are replaced atomically (written aside, then renamed).
 */
public final class ConfigStore {

    static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private final Path dir;

    public ConfigStore(Path dir) {
        this.dir = dir;
    }

    /** From the environment: FORGE_CONFIG_DIR, else $XDG_CONFIG_HOME/forge, else ~/.config/forge. */
    public static ConfigStore fromEnvironment() {
        String explicit = System.getenv("FORGE_CONFIG_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return new ConfigStore(Path.of(explicit));
        }
        String xdg = System.getenv("XDG_CONFIG_HOME");
        // XDG Base Directory: a relative path is invalid and ignored
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return new ConfigStore(Path.of(xdg, "forge"));
        }
        return new ConfigStore(Path.of(System.getProperty("user.home"), ".config", "forge"));
    }

    public Path dir() {
        return dir;
    }

    public Path profiles() {
        return dir.resolve("profiles");
    }

    public Path cache() {
        return dir.resolve("cache");
    }

    /** Validated profile name: letters, digits, '.', '_', '-'. */
    public static String checkProfile(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw CliException.usage("profile names are 1-64 letters, digits, '.', '_' or '-' (got '"
                    + Text.oneLine(String.valueOf(name)) + "')");
        }
        return name;
    }

    public Path profileFile(String profile) {
        return profiles().resolve(checkProfile(profile) + ".json");
    }

    /** The file's text, or null when it does not exist. */
    public String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw CliException.error("cannot read " + file + ": " + Text.oneLine(e.getMessage()));
        }
    }

    /** Writes a file only its owner can read (0600) in a directory only its owner can enter (0700). */
    public void writePrivate(Path file, String content) {
        try {
            ensureDir(file.getParent());
            Path tmp = file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            Files.deleteIfExists(tmp);
            createPrivateFile(tmp);
            Files.writeString(tmp, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE, StandardOpenOption.SYNC);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            restrict(file, FILE_MODE);
        } catch (IOException e) {
            throw CliException.error("cannot write " + file + ": " + Text.oneLine(e.getMessage()));
        }
    }

    public boolean delete(Path file) {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            throw CliException.error("cannot delete " + file + ": " + Text.oneLine(e.getMessage()));
        }
    }

    /**
     * Runs {@code action} holding an exclusive lock on {@code <file>.lock}: two forge processes that
     * refresh the same login at once must not both spend the refresh token (reuse ends the family).
     */
    public <T> T locked(Path file, Supplier<T> action) {
        Path lock = file.resolveSibling(file.getFileName() + ".lock");
        try {
            ensureDir(lock.getParent());
            if (!Files.exists(lock)) {
                try {
                    createPrivateFile(lock);
                } catch (FileAlreadyExistsException ignored) {
                    // another process made it
                }
            }
            try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE); FileLock l = ch.lock()) {
                return action.get();
            }
        } catch (IOException e) {
            throw CliException.error("cannot lock " + lock + ": " + Text.oneLine(e.getMessage()));
        }
    }

    /** Creates the directory and the forge directories above it with 0700, and tightens existing ones. */
    void ensureDir(Path d) throws IOException {
        Path abs = d.toAbsolutePath();
        Path root = dir.toAbsolutePath();
        if (!abs.startsWith(root)) {
            throw new IOException(d + " is outside " + dir);
        }
        // create from the forge directory down, never touching the directories above it ($XDG_CONFIG_HOME)
        if (root.getParent() != null) {
            Files.createDirectories(root.getParent());
        }
        Path cur = root;
        mkdirPrivate(cur);
        for (Path part : root.relativize(abs)) {
            if (part.toString().isEmpty()) {
                continue;
            }
            cur = cur.resolve(part);
            mkdirPrivate(cur);
        }
    }

    private static void mkdirPrivate(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            try {
                if (posix(d)) {
                    Files.createDirectory(d, PosixFilePermissions.asFileAttribute(DIR_MODE));
                } else {
                    Files.createDirectory(d);
                }
            } catch (FileAlreadyExistsException ignored) {
                // made meanwhile
            }
        }
        restrict(d, DIR_MODE);
    }

    private static void createPrivateFile(Path f) throws IOException {
        if (posix(f.getParent())) {
            Files.createFile(f, PosixFilePermissions.asFileAttribute(FILE_MODE));
        } else {
            Files.createFile(f);
        }
        restrict(f, FILE_MODE);
    }

    private static void restrict(Path p, Set<PosixFilePermission> mode) throws IOException {
        if (posix(p) && !Files.getPosixFilePermissions(p).equals(mode)) {
            Files.setPosixFilePermissions(p, mode);
        }
    }

    private static boolean posix(Path p) {
        Path existing = p;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            return existing != null && Files.getFileStore(existing).supportsFileAttributeView("posix");
        } catch (IOException e) {
            return false;
        }
    }
}
