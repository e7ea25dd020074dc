#!/usr/bin/env bash
# The one-command demo (`make demo`): installs what is missing, builds, exports the default model,
# makes a demo catalogue from Debian packages' images, reindexes it with Spark in local mode, prints
# the evaluation and the report's path, then serves the search page.
#
#   scripts/demo.sh                                 product clip art ("demo"), served on http://127.0.0.1:8080/
#   DEMO_CATALOGUE=demo-products scripts/demo.sh    the same products, listings with several photos
#                                                   (one card per product, the photo that matched)
#   DEMO_CATALOGUE=fashion-mnist scripts/demo.sh    Fashion-MNIST instead
#   DEMO_SERVE=0 scripts/demo.sh                    stop after the evaluation (tests, CI)
#
# Every step is skipped or incremental when its output is already there, so a second run only
# rebuilds the index from the stored embeddings (embed does no model work on unchanged images).
# The configuration is conf/prodlens.properties; PRODLENS_<KEY> variables override it as usual
# (PRODLENS_API_PORT=9000; PRODLENS_MODEL_ID=efficientnet-lite0 exports and uses that model).
set -euo pipefail
cd "$(dirname "$0")/.."

catalogue=${DEMO_CATALOGUE:-demo}
serve=${DEMO_SERVE:-1}
case "$catalogue" in
  demo|demo-products|fashion-mnist) ;;
  *) echo "demo: DEMO_CATALOGUE=$catalogue; choose demo, demo-products or fashion-mnist" >&2; exit 2 ;;
esac
conf=conf/prodlens.properties
# Spark local mode on loopback, logging warnings only: the jobs' own progress lines stay readable
export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
jobs=(bin/prodlens-jobs --conf spark.log.level=WARN)
overrides=("catalogue.name=$catalogue" "catalogue.path=data/$catalogue/catalogue.csv")
# learn a projection from the catalogue's own label groups, chosen on held-out groups (docs/adapt.md);
# PRODLENS_ADAPT_METHOD=off indexes the model's own vectors
overrides+=("adapt.method=${PRODLENS_ADAPT_METHOD:-auto}")
# Fashion-MNIST's label groups are its classes, about 600 items each here: the evaluation must search that
# deep for mAP@R to be exact (it searches max(100, evaluate.shopee-neighbours) results per query)
[ "$catalogue" = fashion-mnist ] && overrides+=("evaluate.shopee-neighbours=1000")
step() { printf '\n== %s\n' "$*"; }

step "dependencies (Debian packages, only those missing)"
scripts/install-deps.sh build
scripts/install-deps.sh data

step "build"
# a jar missing, or older than a source or POM of a module it holds, means the build has something to do
stale() {
  local jar=$1; shift
  [ ! -s "$jar" ] || [ -n "$(find pom.xml "$@" -newer "$jar" -type f -print -quit)" ]
}
if stale spark-jobs/target/prodlens-jobs.jar search-core/{pom.xml,src} spark-jobs/{pom.xml,src} ||
   stale search-api/target/prodlens-api.jar search-core/{pom.xml,src} search-api/{pom.xml,src} ||
   stale demo/target/prodlens-demo.jar search-core/{pom.xml,src} spark-jobs/{pom.xml,src} test-kit/{pom.xml,src} demo/{pom.xml,src} ||
   [ ! -s spark-jobs/target/launcher/spark-classpath ] || [ ! -s demo/target/demo-classpath ]; then
  ${MVN:-mvn -B -ntp} -q install -DskipTests
else
  echo "up to date: spark-jobs/target/prodlens-jobs.jar, search-api/target/prodlens-api.jar, demo/target/prodlens-demo.jar"
fi

step "model"
scripts/prepare-model.sh default

step "catalogue"
# the demo module's generator (bin/prodlens-demo), not part of the jobs' or the service's jar
bin/prodlens-demo demo-catalogue --conf "$conf" "${overrides[@]}"

step "reindex (Spark local mode)"
"${jobs[@]}" reindex --conf "$conf" "${overrides[@]}"

# resolved as the jobs resolve it: the file, PRODLENS_* variables, the arguments (scripts/config.sh)
bundles=$(scripts/config.sh --conf "$conf" "${overrides[@]}" bundles.dir)/$catalogue
version=$(cat "$bundles/CURRENT")
report="$bundles/$version/report"
step "evaluation of $catalogue, bundle $version"
/usr/bin/python3 - "$report/metrics.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
print(f"{m['queries']:,} queries over {m['items']:,} items (relevance: {m['relevance']}), index: {m['ann_index']}")
keys = [k for k in m["exact"] if k.startswith("recall@")] + ["map@r", "shopee_f1"]
print(f"{'':8}" + "".join(f"{k:>11}" for k in keys))
for name in ("exact", "ann"):
    print(f"{'index' if name == 'ann' else name:8}" + "".join(f"{m[name][k]:>11.3f}" if k in m[name] else f"{'-':>11}" for k in keys))
print("recall@10 by category (index):")
for category, c in sorted(m["per_category"].items(), key=lambda kv: kv[1]["ann_recall@10"]):
    print(f"  {category:<16} {c['ann_recall@10']:.3f}  ({c['queries']:,} queries)")
a = m.get("adapt")
if a:
    s = a["split"]
    print(f"\nlearned projection: {a['method']}/{a['dim']}" + (f" ({a['note']})" if a.get("note") else ""))
    print(f"groups split by hash: {s['train_groups']:,} learn, {s['validation_groups']:,} choose, {s['test_groups']:,} report")
    print("candidates on the validation groups:")
    for c in a["candidates"]:
        print(f"  {c['method']:<18} {c['dim']:>5}  mAP@R {c['map@r']:.3f}  recall@1 {c['recall@1']:.3f}  recall@10 {c['recall@10']:.3f}  learn {c['learn_seconds']:.1f} s")
    t = a.get("test")
    if t:
        print(f"before/after on the held-out test groups only ({t['items']:,} items, {t['groups']:,} groups; exact search):")
        print(f"{'':12}{'before':>10}{'after':>10}{'change':>10}")
        for k, before in t["before"].items():
            if k != "shopee_threshold":
                after = t["after"][k]
                print(f"  {k:<10}{before:>10.3f}{after:>10.3f}{after - before:>+10.3f}")
EOF
echo "report: $report/index.html"

if [ "$serve" = 0 ]; then exit 0; fi
step "search service"
{ read -r host; read -r port; read -r write_key; read -r live_log; } < <(
  scripts/config.sh --conf "$conf" "${overrides[@]}" api.host api.port live.write-key live.log)
api_args=()
if [ -z "$write_key" ] && [ "$live_log" != off ]; then
  # item writes for this session only: a fresh key, so the demo's service is never open to writes
  # by a key someone else knows (set live.write-key to choose one)
  write_key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  api_args=("live.write-key=$write_key")
fi
echo "open http://$host:$port/ (Ctrl-C stops it)"
if [ "$live_log" != off ]; then
  cat <<EOT
item writes (docs/api.md), this session's key: $write_key
  add:    curl -X PUT -H 'X-API-Key: $write_key' -H 'Content-Type: image/jpeg' --data-binary @photo.jpg \\
            'http://$host:$port/v1/items/my-item?title=My%20item&category=demo&price=9.5'
  remove: curl -X DELETE -H 'X-API-Key: $write_key' http://$host:$port/v1/items/my-item
EOT
fi
exec java @conf/api.jvm.options -jar search-api/target/prodlens-api.jar --conf "$conf" "${overrides[@]}" "${api_args[@]}"
