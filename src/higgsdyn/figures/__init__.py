"""Paper figures: one module per figure, each with ``plot(datasets) -> Figure``.

Figures read merged datasets only and compute no physics; axis labels come from the
datasets' ``long_name``/``units`` attributes through :mod:`higgsdyn.figures.style`.
"""
