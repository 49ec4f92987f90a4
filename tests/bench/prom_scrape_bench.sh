#!/usr/bin/env bash
# One scrape of a 1M-series exposition (one family: the hostile exporter's /many) through
# libcurl, the parser and its bounds, measured by run_measured: wall and CPU seconds and peak RSS,
# with and without the duplicate-series check (its hash table is the one thing that grows with
# a family's series), next to 100k series. Prints one line per run; fails when a scrape fails.
#   prom_scrape_bench.sh HOSTILE_ENV RUN_MEASURED PROM_SCRAPE
set -euo pipefail
(($# == 3)) || { echo "usage: $0 HOSTILE_ENV RUN_MEASURED PROM_SCRAPE" >&2; exit 2; }
. "$1"
for n in 100000 1000000; do
  for check in "" --no-duplicate-check; do
    read -r wall cpu rss status < <("$2" "$3" "$HOSTILE_URL/many?n=$n" --max-series 2000000 \
      --timeout-ms 120000 --max-body 500000000 $check)
    printf '%8d series %-22s %6.3f s wall %6.3f s CPU  peak RSS %6.1f MiB\n' "$n" "${check:-(duplicate check)}" \
      "$wall" "$cpu" "$(awk "BEGIN { print $rss / 1024 }")"
    [[ $status == 0 ]] || { echo "prom_scrape_bench: the scrape of $n series failed (exit $status)" >&2; exit 1; }
  done
done
