#!/bin/sh
# Refresh the front-end files Saksi serves itself from the npm packages pinned in
# web/package-lock.json (`make vendor`). The copies are committed: a clean clone, the
# Docker image and an air-gapped police network need neither npm nor a CDN to run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
npm ci --prefix "$here" --ignore-scripts --no-audit --no-fund --silent
mods="$here/node_modules"
static="$root/api/http/ui/static/vendor"
rm -rf "$static"
mkdir -p "$static/leaflet/images" "$static/swagger-ui"
cp "$mods/leaflet/dist/leaflet.js" "$mods/leaflet/dist/leaflet.css" "$mods/leaflet/LICENSE" "$static/leaflet/"
cp "$mods/leaflet/dist/images/"*.png "$static/leaflet/images/"
cp "$mods/swagger-ui-dist/swagger-ui-bundle.js" "$mods/swagger-ui-dist/swagger-ui.css" \
   "$mods/swagger-ui-dist/LICENSE" "$static/swagger-ui/"
# axe-core is for the browser tests only: it is never served to users.
mkdir -p "$root/tests/support/vendor"
cp "$mods/axe-core/axe.min.js" "$mods/axe-core/LICENSE" "$root/tests/support/vendor/"
node -e 'const l=require(process.argv[1]).packages; for (const n of ["leaflet","swagger-ui-dist","axe-core"]) console.log(n, l["node_modules/"+n].version, l["node_modules/"+n].integrity)' \
  "$here/package-lock.json" > "$static/VERSIONS"
cp "$static/VERSIONS" "$root/tests/support/vendor/VERSIONS"
