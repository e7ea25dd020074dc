package dev.prodlens.core.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Prints resolved configuration values, one per line, for shell scripts: {@code scripts/config.sh
 * [--conf FILE] [key=value ...] KEY ...} prints each KEY's value after the file, the environment,
 * system properties and the {@code key=value} arguments, exactly as the jobs and the service would
 * read it. An unknown key or a bad value is an error of one line and exit code 2.
 *
 * <p>This package depends on the JDK alone, so the script runs it from its sources before anything
 * is built ({@code make model} needs {@code model.id} before the first build).
 */
public final class ConfigTool {
    static final String USAGE =
            "usage: scripts/config.sh [--conf conf/prodlens.properties] [key=value ...] KEY ...";

    private ConfigTool() {}

    public static void main(String[] args) {
        try {
            System.out.print(values(args));
        } catch (RuntimeException e) {
            System.exit(CommandLine.report("config", e));
        }
    }

    /** The values of the keys {@code args} names, a line each, in the configuration it gives. */
    static String values(String[] args) {
        List<String> settings = new ArrayList<>();
        List<ConfigKey<?>> wanted = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--conf") && i + 1 < args.length) {
                settings.add(args[i]);
                settings.add(args[++i]);
            } else if (args[i].indexOf('=') > 0) {
                settings.add(args[i]);
            } else {
                wanted.add(known(args[i]));
            }
        }
        if (wanted.isEmpty()) throw new ConfigException("no key to print; " + USAGE);
        Config config = CommandLine.config(settings, USAGE);
        StringBuilder out = new StringBuilder();
        for (ConfigKey<?> key : wanted) out.append(config.text(key)).append('\n');
        return out.toString();
    }

    private static ConfigKey<?> known(String name) {
        return ConfigKeys.named(name)
                .orElseThrow(() -> Config.unknownKey(name, "the command line"));
    }
}
