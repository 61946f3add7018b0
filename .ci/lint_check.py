"""Run `snakemake --lint` and fail on any finding (none is accepted).

Every rule names the project's conda environment (environment.yml, the same
pins as requirements.lock), declares its threads and memory, and logs.
"""

import re
import subprocess
import sys

out = subprocess.run([sys.executable, "-m", "snakemake", "--lint", "text"], capture_output=True, text=True)
text = out.stdout + out.stderr
findings = re.findall(r"^    \* (.+?):?$", text, flags=re.M)
print(f"snakemake --lint: {len(findings)} finding(s)")
for f in findings:
    print(f"  FINDING: {f}")
if out.returncode != 0 or findings:
    print(text[-3000:])
    sys.exit(1)
