package dev.forgeauth.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository is: set by surefire (forge.repo.root), or the parent of the working directory. */
final class Repo {

    private Repo() {
    }

    static Path root() {
        String configured = System.getProperty("forge.repo.root");
        Path root = configured != null ? Path.of(configured) : Path.of("..");
        root = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(root.resolve("deploy/k8s"))) {
            throw new IllegalStateException("not the repository root (no deploy/k8s): " + root);
        }
        return root;
    }

    static Path k8s() {
        return root().resolve("deploy/k8s");
    }

    /** The overlays an operator applies, and the base they share. */
    static Path base() {
        return k8s().resolve("base");
    }

    static Path overlay(String name) {
        return k8s().resolve("overlays").resolve(name);
    }
}
