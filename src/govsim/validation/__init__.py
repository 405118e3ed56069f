"""Pattern-oriented validation of govsim: stylized facts, their boundaries, where each paradigm
leads, global sensitivity and scenario discovery (``govsim validate-model``, docs/validation.md).

Sits above :mod:`govsim.experiments` and uses only its public functions; nothing below imports
it. Modules: ``facts`` (the registry), ``evaluate`` (effects, boundaries, running sweeps),
``studies`` (leads table, Sobol, discovery runs), ``discovery`` (boxes from a shallow tree),
``report`` (the markdown report and its figures), ``command`` (the CLI).
"""
