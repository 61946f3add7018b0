#!/usr/bin/env bash
# Submit command of the local-cluster profile: start the job script (the last
# argument) as a detached process and print its id, as a batch system would.
# Each submission is also listed in .snakemake/local-cluster-submitted.txt.
set -euo pipefail
jobscript="${!#}"
nohup bash "$jobscript" >/dev/null 2>&1 &
pid="$!"
mkdir -p .snakemake
echo "$pid $(basename "$jobscript")" >> .snakemake/local-cluster-submitted.txt
echo "$pid"
