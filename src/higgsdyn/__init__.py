"""higgsdyn: Higgs-mode dynamics of disordered and driven superconductors.

One package per method (``equilibrium``, later ``pseudospin``, ``kbe``, ``bdg``,
``floquet``), plus ``io`` (dataset conventions), ``figures`` and ``cli``.
"""

__version__ = "0.1.0"
