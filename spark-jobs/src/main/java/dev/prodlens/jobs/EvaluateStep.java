package dev.prodlens.jobs;

import dev.prodlens.jobs.index.BuildIndexJob;
import org.apache.spark.sql.SparkSession;

/** Placeholder until the evaluate package lands: reindex's evaluation of a freshly built bundle. */
final class EvaluateStep {
    private EvaluateStep() {
    }

    static void run(SparkSession spark, JobSettings settings, BuildIndexJob.Built built) {
    }
}
