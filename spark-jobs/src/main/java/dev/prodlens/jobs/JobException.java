package dev.prodlens.jobs;

import dev.prodlens.core.UserError;

/**
 * A job cannot go on because of its input or configuration (a catalogue it cannot read, an
 * embeddings table of another model, a bundle it cannot write). The message is one line that says
 * what is wrong and what to do; the CLI prints it without a stack trace.
 */
public class JobException extends UserError {
    public JobException(String message) {
        super(message);
    }

    public JobException(String message, Throwable cause) {
        super(message, cause);
    }
}
