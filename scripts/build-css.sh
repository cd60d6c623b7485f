#!/usr/bin/env bash
# Rebuild static/govuk/ from govuk-frontend with the portal's settings.
# Only needed when upgrading GOV.UK Frontend or editing static/src/portal.scss;
# the compiled files are committed so running the portal needs no Node.
set -euo pipefail
VERSION=6.6.0
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --silent "govuk-frontend@$VERSION" sass@1)
"$work/node_modules/.bin/sass" --load-path="$work/node_modules" --style=compressed --no-source-map \
  static/src/portal.scss static/govuk/portal.min.css
cp "$work/node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js" static/govuk/
cp "$work/node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js.map" static/govuk/
rm -rf static/govuk/assets
mkdir -p static/govuk/assets
mkdir -p static/govuk/assets/images
# The stylesheet refers to the crest only; the GOV.UK icons, favicon and
# GDS Transport fonts are reserved for GOV.UK and are not shipped.
cp "$work/node_modules/govuk-frontend/dist/govuk/assets/images/govuk-crest.svg" static/govuk/assets/images/
echo "built static/govuk/ from govuk-frontend $VERSION"
