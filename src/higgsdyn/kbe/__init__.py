"""Two-time Kadanoff-Baym solver for the BCS-Holstein quench of P2 (Eqs. 4-8, App. B)."""

from higgsdyn.kbe.bands import Band, flat_band, tight_binding_band
from higgsdyn.kbe.contour import ContourHistory
from higgsdyn.kbe.stepping import KBConfig, KBResult, mean_field_gap, run

__all__ = [
    "Band",
    "ContourHistory",
    "KBConfig",
    "KBResult",
    "flat_band",
    "mean_field_gap",
    "run",
    "tight_binding_band",
]
