#!/bin/sh
# Copy the vendored front-end files the templates load into static/dist.
set -eu
mkdir -p static/dist/govuk static/dist/vendor static/dist/js
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js.map static/dist/govuk/
cp -R node_modules/govuk-frontend/dist/govuk/assets static/dist/govuk/
cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map static/dist/vendor/
cp node_modules/htmx.org/dist/htmx.min.js static/dist/vendor/htmx.min.js
cp static/src/js/*.js static/dist/js/
