"""The shared core: file input and output (:mod:`~selfcare.core.io`) and the
glue every script uses (:mod:`~selfcare.core.runner`). Nothing else of the
package touches files or the ``snakemake`` object.
"""
