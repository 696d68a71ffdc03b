"""Deprecated alias of :mod:`higgsdyn.pseudospin.quench` (issue 17: named after what it holds).

Kept only while ``tests/test_kbe_limits.py`` (owned by the Kadanoff-Baym work) still imports
``higgsdyn.pseudospin.api``; delete this file once that import reads
``from higgsdyn.pseudospin import quench``. Nothing in ``src/`` imports it.
"""

from higgsdyn.pseudospin.quench import *  # noqa: F403
