#!/usr/bin/env bash
# Submit command of the local-cluster profile: start the job script (the last
# argument) as a detached process and print its id, as a batch system would.
set -euo pipefail
jobscript="${!#}"
nohup bash "$jobscript" >/dev/null 2>&1 &
echo "$!"
