package dev.forgeauth.cli.support;

import picocli.CommandLine.IVersionProvider;

/** The CLI's version, from the jar manifest (Implementation-Version). */
public final class Version implements IVersionProvider {

    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"forge " + get() + " (Java " + System.getProperty("java.version") + ")"};
    }
}
