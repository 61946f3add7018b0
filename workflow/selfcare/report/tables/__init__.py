"""Markdown tables of the manuscript, built from the workflow's result files.

Each builder takes the result tables as read back from their CSV files
(``pandas.read_csv``) and plain dicts (configuration, registry records), and
returns one Quarto/pandoc *pipe table* followed by its caption line::

    | Site | n |
    |:-----|--:|
    | LO   | 38 |

    : Participants by site {#tbl-flow}

The manuscript pulls them in with ``{{< include tables/<name>.md >}}`` and
refers to them as ``@tbl-<name>``. Every number is formatted by
:mod:`selfcare.report.formatting` with the configuration's ``formatting`` block;
nothing here reads or writes files. :func:`published_records` turns
``config/published.yaml`` into number records (``published.*`` keys) so the
text can quote the published values with ``{{< var >}}`` too.
"""
