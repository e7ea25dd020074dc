package dev.prodlens.core;

/**
 * A problem the user can fix: bad configuration, a missing or foreign model or bundle, an index
 * Faiss cannot build or read. The message is one line that says what is wrong and what to do; the
 * command lines ({@code prodlens-jobs}, {@code prodlens-api}) print it without a stack trace and
 * exit with code 2. Everything else is an internal failure (a bug, or the machine: out of native
 * memory, an unknown native error) and is reported with its stack trace and exit code 1.
 *
 * <p>A class, not a marker interface, because a {@code catch} clause can only name a {@link
 * Throwable}: the command lines catch this one type, and a new user error joins them by extending
 * it.
 */
public abstract class UserError extends RuntimeException {
    protected UserError(String message) {
        super(message);
    }

    protected UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
