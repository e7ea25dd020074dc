package dev.prodlens.core.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration part of every prodlens command line: {@code [--conf FILE] [key=value ...]}.
 * The file (default {@value #DEFAULT_FILE}) is read with its environment and system-property
 * overrides; {@code key=value} pairs override all of them.
 */
public final class CommandLine {
    public static final String DEFAULT_FILE = "conf/prodlens.properties";

    private CommandLine() {
    }

    /** The configuration {@code args} name; {@link ConfigException} naming {@code usage} for anything else. */
    public static Config config(List<String> args, String usage) {
        Path file = Path.of(DEFAULT_FILE);
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--conf") && i + 1 < args.size()) {
                file = Path.of(args.get(++i));
            } else if (arg.indexOf('=') > 0) {
                int eq = arg.indexOf('=');
                overrides.put(arg.substring(0, eq).strip(), arg.substring(eq + 1).strip());
            } else {
                throw new ConfigException("unexpected argument '" + arg + "'; " + usage);
            }
        }
        return Config.load(file).with(overrides);
    }
}
