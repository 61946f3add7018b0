"""Stage ``manuscript`` (``workflow/rules/manuscript.smk``): numbers registry,
figures, tables, rendering and the checks of the report.

* :mod:`~selfcare.report.formatting`: every piece of number formatting;
* :mod:`~selfcare.report.registry`: number records, merging, Quarto variables,
  the provenance manifest; :mod:`~selfcare.report.confignumbers`: the records
  of the configuration; :mod:`~selfcare.report.provenance`: which code made them;
* :mod:`selfcare.report.figures` and :mod:`selfcare.report.tables`: one module
  per group of figures or tables;
* :mod:`~selfcare.report.markdown`: ``var`` and ``include`` shortcodes;
  :mod:`~selfcare.report.staging`: the manuscript source staged and checked;
  :mod:`~selfcare.report.render`: Quarto, or pandoc + Typst;
* :mod:`~selfcare.report.trace`: the trace check; :mod:`~selfcare.report.changes`:
  numbers changed since the accepted version.
"""
