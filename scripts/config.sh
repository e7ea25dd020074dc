#!/usr/bin/env bash
# Prints resolved configuration values, one per line, as the jobs and the service read them:
# conf/prodlens.properties, then PRODLENS_<KEY> variables, then key=value arguments.
#
#   scripts/config.sh model.id                       → efficientnet-lite0-int8
#   scripts/config.sh api.host api.port catalogue.name=shop bundles.dir
#   scripts/config.sh --conf other.properties model.dir
#
# An unknown key or a bad value: one line on standard error, exit code 2. The configuration classes
# (search-core's dev.prodlens.core.config, JDK only) are compiled from their sources on first use
# and when they change, so this works before the first build (make model needs model.id).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
sources=("$repo"/search-core/src/main/java/dev/prodlens/core/config/*.java
         "$repo"/search-core/src/main/java/dev/prodlens/core/UserError.java)
stamp=$(cat "${sources[@]}" | sha256sum | cut -c1-16)
classes=$repo/target/config-tool/$stamp
if [ ! -d "$classes" ]; then
  mkdir -p "$repo/target/config-tool"
  tmp=$(mktemp -d "$repo/target/config-tool/.build.XXXXXX")
  javac --release 17 -nowarn -d "$tmp" "${sources[@]}"
  # another run may have compiled the same sources meanwhile: either copy will do
  mv -T "$tmp" "$classes" 2>/dev/null || rm -rf "$tmp"
fi
exec java -XX:TieredStopAtLevel=1 -Xshare:auto -cp "$classes" dev.prodlens.core.config.ConfigTool "$@"
