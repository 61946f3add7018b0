"""``python -m selfcare.benchmark``: how fast the workflow is, and what it costs at scale.

Figures are measured on the machine the command runs on, never asserted in
tests (a machine's load varies); the README's "Benchmark" section keeps the
latest ones beside the targets. Modules: :mod:`~selfcare.benchmark.measure`
(one measured command), :mod:`~selfcare.benchmark.workflow` (cold run, no-op,
rebuilds in a copy of the project), :mod:`~selfcare.benchmark.floor` (the
cold run's jobs in one process), :mod:`~selfcare.benchmark.scale` (the
quantitative path at 10,000 to 1,000,000 synthetic participants, validation
and scrubbing throughput) and :mod:`~selfcare.benchmark.cli` (the command).
"""
