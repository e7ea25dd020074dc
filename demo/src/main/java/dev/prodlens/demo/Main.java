package dev.prodlens.demo;

import dev.prodlens.core.config.CommandLine;
import dev.prodlens.core.config.Config;
import dev.prodlens.jobs.JobSettings;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The demo catalogue generator's command line, the main class of target/prodlens-demo.jar (run by
 * {@code bin/prodlens-demo}): {@code demo-catalogue [--conf FILE] [key=value ...]} writes the
 * catalogue {@code catalogue.name} names ({@link DemoCatalogue}). A problem the user can fix ends
 * the run with exit code 2 and one line on standard error, as the jobs' command line does.
 */
public final class Main {
    static final String USAGE =
            "usage: prodlens-demo demo-catalogue [--conf conf/prodlens.properties] [key=value ...]";

    private Main() {}

    public static void main(String[] args) {
        int code = execute(args);
        if (code != 0) System.exit(code);
    }

    /** Runs the command; returns the exit code, having reported a failure. */
    static int execute(String[] args) {
        try {
            if (args.length == 0 || !args[0].equals("demo-catalogue")) {
                System.err.println(USAGE);
                return CommandLine.USER_ERROR;
            }
            Config config = CommandLine.config(Arrays.asList(args).subList(1, args.length), USAGE);
            DemoCatalogue.make(JobSettings.from(config, Path.of("").toAbsolutePath()));
            return 0;
        } catch (RuntimeException e) {
            return CommandLine.report("prodlens-demo", e);
        }
    }
}
