package dev.prodlens.jobs.evaluate;

/**
 * The evaluation cannot run on what it was given (bad pairs file, data and index that do not match,
 * no query with a true match). The message is one line: what is wrong and what to do.
 */
public final class EvaluationException extends dev.prodlens.jobs.JobException {
    public EvaluationException(String message) {
        super(message);
    }

    public EvaluationException(String message, Throwable cause) {
        super(message, cause);
    }
}
