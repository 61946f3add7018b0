"""Stage ``validate`` (rule ``validate_raw`` in ``workflow/rules/validate.smk``):
reading the raw hand-over, applying documented corrections, validating it.

* :mod:`~selfcare.raw.corrections`: documented corrections, applied in memory;
* :mod:`~selfcare.raw.validate`: every raw file checked against its codebook;
* :mod:`~selfcare.raw.nhs`: the NHS number format (check digit), also used by
  de-identification and the simulator.
"""
