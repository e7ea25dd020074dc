package dev.prodlens.core.config;

import dev.prodlens.core.UserError;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every prodlens command line shares: its configuration, {@code [--conf FILE] [key=value ...]}
 * (the file, default {@value #DEFAULT_FILE}, is read with its environment and system-property
 * overrides; {@code key=value} pairs override all of them), and how it reports a failure.
 */
public final class CommandLine {
    public static final String DEFAULT_FILE = "conf/prodlens.properties";

    /** The exit code of a problem the user can fix. */
    public static final int USER_ERROR = 2;

    /** The exit code of an internal failure. */
    public static final int INTERNAL_ERROR = 1;

    private CommandLine() {}

    /**
     * The configuration {@code args} name; {@link ConfigException} naming {@code usage} for
     * anything else.
     */
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

    /**
     * Reports a failure on standard error and returns the exit code: a {@link UserError} as one
     * line, {@code program: message}, and {@value #USER_ERROR}; anything else (a bug, out of native
     * memory) as an internal failure, a line saying so and the stack trace, and {@value
     * #INTERNAL_ERROR}.
     */
    public static int report(String program, RuntimeException failure) {
        if (failure instanceof UserError) {
            System.err.println(program + ": " + failure.getMessage());
            return USER_ERROR;
        }
        System.err.println(
                program
                        + ": internal failure (not a problem with your input or settings): "
                        + failure
                        + "; please report it with the stack trace below");
        failure.printStackTrace();
        return INTERNAL_ERROR;
    }
}
