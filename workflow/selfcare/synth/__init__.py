"""The seeded simulator of the SYNTHETIC hand-over, and its calibration.

A study team with real data never runs this code, and no stage subpackage
imports it. ``python -m selfcare.synth`` writes the hand-over.

* :mod:`~selfcare.synth.facts`: demographics with the published counts exactly;
* :mod:`~selfcare.synth.quantitative`: items, service use and engagement from
  the simulator's true effects;
* :mod:`~selfcare.synth.handover`: identifiers, registers, codebook and every
  raw file; :mod:`~selfcare.synth.transcripts`: interview transcripts and coding;
* :mod:`~selfcare.synth.calibration`: simulation-based calibration of the
  headline estimators;
* :mod:`~selfcare.synth.cli`: the command line.
"""
