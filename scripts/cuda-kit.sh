#!/usr/bin/env bash
# Fills .devicekit/ (ignored: list `/.devicekit/` in .git/info/exclude) with what scripts/cuda-check.sh
# needs on a GPU machine that lacks our -dev packages and ../shared (docs/cuda.md):
#   .devicekit/debs/             Debian 12 .debs: PCRE2 headers (libpcre2-dev), ICU 72 (libicu72,
#                                libicu-dev), Boost 1.74 headers and program_options, pkgconf
#   .devicekit/shared/fixtures/models/   a copy of ../shared/fixtures/models (the model goldens)
# Run on the Debian 12 development machine (apt-get download needs its package lists). About 43 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.devicekit/' .git/info/exclude 2>/dev/null || echo '/.devicekit/' >> .git/info/exclude
mkdir -p .devicekit/debs .devicekit/shared/fixtures
(cd .devicekit/debs && apt-get download libpcre2-dev libicu72 libicu-dev libboost-program-options1.74.0 \
  libboost-program-options1.74-dev libboost1.74-dev pkgconf-bin libpkgconf3)
rm -rf .devicekit/shared/fixtures/models
cp -r ../shared/fixtures/models .devicekit/shared/fixtures/
du -sh .devicekit .devicekit/*
