package dev.prodlens.core.live;

import dev.prodlens.core.UserError;

/**
 * The update log cannot be used as it is and an operator has to act: its directory is held by
 * another process, an acknowledged record on disk is damaged, or a reader asks for positions that
 * compaction already dropped. The message is one line naming the file (and offset) and what to do.
 *
 * <p>A {@link UserError} because each of these is fixed by a person, not by a code change (stop the
 * other process, restore the directory from a backup, load a newer bundle), and the command lines
 * print a user error as one line without a stack trace. A failing disk (an {@code IOException} on
 * write or fsync) is not one: it surfaces as {@link java.io.UncheckedIOException}.
 */
public final class UpdateLogException extends UserError {
    public UpdateLogException(String message) {
        super(message);
    }

    public UpdateLogException(String message, Throwable cause) {
        super(message, cause);
    }
}
