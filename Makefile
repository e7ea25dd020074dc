# The two quick-start commands live here (see README.md). Each installs what it needs first.
MVN ?= mvn -B -ntp

.PHONY: deps test test-asan bench-faiss build clean

deps:
	@scripts/install-deps.sh build

build: deps
	$(MVN) -q install -DskipTests

## Every test of every module.
test: deps
	$(MVN) test

## The native tests again with the JNI library built under AddressSanitizer + UBSan.
test-asan: deps
	$(MVN) -pl search-core -Pasan test

## Faiss binding vs Debian's python3-faiss on the same indexes (see bench/faiss.sh).
bench-faiss:
	bench/faiss.sh

clean:
	$(MVN) -q clean
