"""The seeded simulator of the SYNTHETIC hand-over, and its calibration.

A study team with real data never runs this code, and no stage subpackage
imports it. ``python -m selfcare.synth`` writes the hand-over.

* :mod:`~selfcare.synth.facts`: the published-fact constraints (ages, the
  dependants H) and the configured sites;
* :mod:`~selfcare.synth.people`: each site's demographics from its counts
  (exactly, or as shares for any size);
* :mod:`~selfcare.synth.quantitative`: items, service use and engagement from
  the simulator's true effects;
* :mod:`~selfcare.synth.identifiers`: the register's invented identifiers;
* :mod:`~selfcare.synth.handover`: registers, codebook and every
  raw file; :mod:`~selfcare.synth.transcripts`: interview transcripts and coding;
* :mod:`~selfcare.synth.calibration`: simulation-based calibration of the
  headline estimators;
* :mod:`~selfcare.synth.cli`: the command line.
"""
