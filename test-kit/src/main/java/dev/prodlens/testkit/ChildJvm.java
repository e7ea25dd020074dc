package dev.prodlens.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A second JVM for tests that need a real process: another CPU setting, or one to kill. */
public final class ChildJvm {
    private ChildJvm() {}

    /** The {@code java} launcher of the running JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * A process that runs {@code main} on this JVM's classpath (the test classpath, under
     * Surefire), with {@code jvmOptions} before the class name and {@code args} after it.
     */
    public static ProcessBuilder onThisClasspath(
            List<String> jvmOptions, Class<?> main, String... args) {
        List<String> command =
                new ArrayList<>(List.of(java(), "-cp", System.getProperty("java.class.path")));
        command.addAll(jvmOptions);
        command.add(main.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }
}
