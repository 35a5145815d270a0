#!/bin/sh
# make demo: the ablation of examples/ablations/demo.yaml on the bundled sample corpus.
# Prints the report table; everything it made is under out/demo/ (report.md, curves.svg).
set -e
cd "$(dirname "$0")/.."
start=$(date +%s)
./winnow ablate examples/ablations/demo.yaml
echo "demo finished in $(( $(date +%s) - start )) s; see out/demo/report.md and out/demo/curves.svg"
