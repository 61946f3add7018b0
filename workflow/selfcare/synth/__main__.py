"""``python -m selfcare.synth``: write the SYNTHETIC hand-over (see :mod:`selfcare.synth.cli`)."""

from selfcare.synth.cli import main

raise SystemExit(main())
