"""The disordered BdG chain of P2 App. C: run parameters, disorder, and the self-energy Eq. (C1).

Units: hopping J = 1, energies in J, times in 1/J. Bare dispersion xi_k = -2 J cos k
(main text, "Quasi-one-dimensional case"), half filling (chemical potential 0).

Conventions the paper leaves open are named parameters of :class:`ChainQuench`
(docs/physics_notes.md derives each option):

- ``coupling_normalization``: the on-site attraction U that lambda of Eq. (C1) stands for.
  ``"hopping"``: U = lambda J (Eq. (C1) read literally in units J = 1);
  ``"dos"``: U = lambda / nu_0 with nu_0 = 1/(2 pi J) the chain's density of states per
  site and spin at E = 0 (the lambda nu_0^{-1} normalisation of the main text's Eq. (1)).
- ``hartree``: the normal (tau_3) part of Eq. (C1), delta u_i = s U/2 (n_i - 1).
  ``"printed"``: s = +1, what Eqs. (C1) and (C3) give as printed (the sign that makes the
  anomalous part attractive fixes this one); ``"attractive"``: s = -1, the Hartree term of
  the attractive-Hubbard mean field; ``"off"``: no normal part.
- ``born_convention``: gamma_el = 1/tau_el (``"inverse_tau"``, the main text's definition
  of the elastic rate) or 1/(2 tau_el) (``"inverse_two_tau"``, the decay rate Im Sigma^R),
  with the Born rate 1/tau_el = 2 pi nu_0 <u^2> = <u^2>/J evaluated at E = 0.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

DOS_PER_SITE_AT_FERMI = 1.0 / (2.0 * math.pi)  # nu_0 of xi_k = -2J cos k at E = 0, units 1/J
COUPLING_NORMALIZATIONS = ("hopping", "dos")
HARTREE_MODES = {"printed": 1.0, "attractive": -1.0, "off": 0.0}
BORN_CONVENTIONS = {"inverse_tau": 1.0, "inverse_two_tau": 2.0}
DISORDER_DISTRIBUTIONS = ("box", "gaussian")
BOUNDARIES = ("periodic", "open")
INTEGRATORS = ("rk4", "split2", "split4", "split6")


@dataclass(frozen=True)
class ChainQuench:
    """One run: equilibrium at lambda_i (Eq. C3), quench to lambda_f, evolve with Eq. (C2).

    Energies in units of J, times in 1/J. No defaults: the values and their provenance
    (paper or ours) live in config/config.yaml, block ``p2.bdg``
    (:func:`higgsdyn.bdg.stage.baseline_run` builds a run from a block).
    """

    n_sites: int  # number of sites N
    boundary: str  # periodic | open
    lambda_i: float  # coupling before the quench (Eq. C1)
    lambda_f: float  # coupling after the quench
    coupling_normalization: str  # what lambda stands for (COUPLING_NORMALIZATIONS)
    hartree: str  # normal part of Eq. (C1) (HARTREE_MODES)
    gamma_el: float  # elastic rate fixing the disorder strength, units J
    born_convention: str  # gamma_el = 1/tau_el or 1/(2 tau_el) (BORN_CONVENTIONS)
    disorder_distribution: str  # box | gaussian
    seed: int  # numpy default_rng seed of the disorder realisation
    temperature: float  # initial temperature of Eq. (C3), units J
    t_max: float  # simulated time after the quench, units 1/J
    dt: float  # time step, units 1/J
    store_interval: float  # decimation of the stored fields, units 1/J
    scf_tol: float  # max change of Delta_i, delta u_i ending the equilibrium loop
    scf_max_iter: int
    occupation_cutoff: float  # drop quasiparticle states with weight below
    slip_hysteresis: float  # rad beyond pi before a bond counts a slip
    proliferation_count: int  # slips that define "proliferation"
    number_tol: float  # allowed |N(t) - N(0)| / N
    norm_tol: float  # allowed max |<v|v> - 1| and Gram-matrix error
    variant: str  # label of the convention variant (sweep coordinate)
    integrator: str  # "rk4" or exact-rotation splitting of order 2, 4, 6 (INTEGRATORS)

    def __post_init__(self):
        problems = []
        if self.n_sites < 3:
            problems.append("n_sites must be >= 3")
        for name, allowed in (
            ("boundary", BOUNDARIES),
            ("coupling_normalization", COUPLING_NORMALIZATIONS),
            ("hartree", tuple(HARTREE_MODES)),
            ("born_convention", tuple(BORN_CONVENTIONS)),
            ("disorder_distribution", DISORDER_DISTRIBUTIONS),
            ("integrator", INTEGRATORS),
        ):
            if getattr(self, name) not in allowed:
                problems.append(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        for name in ("lambda_i", "lambda_f", "t_max", "dt", "store_interval", "scf_tol"):
            if not getattr(self, name) > 0:
                problems.append(f"{name} must be > 0")
        if self.gamma_el < 0 or self.temperature < 0:
            problems.append("gamma_el and temperature must be >= 0")
        steps = self.store_interval / self.dt
        if abs(steps - round(steps)) > 1e-9:
            problems.append("store_interval must be a multiple of dt")
        if problems:
            raise ValueError(f"invalid ChainQuench {self}: " + "; ".join(problems))

    @property
    def periodic(self) -> bool:
        return self.boundary == "periodic"

    def coupling(self, lam: float) -> float:
        """On-site attraction U (units J) that lambda of Eq. (C1) stands for."""
        if self.coupling_normalization == "hopping":
            return lam
        return lam / DOS_PER_SITE_AT_FERMI

    @property
    def hartree_sign(self) -> float:
        return HARTREE_MODES[self.hartree]

    @property
    def disorder_rms(self) -> float:
        """sigma = sqrt(<u^2>) from gamma_el by the Born rate 1/tau_el = 2 pi nu_0 sigma^2."""
        inverse_tau = self.gamma_el * BORN_CONVENTIONS[self.born_convention]
        return math.sqrt(inverse_tau / (2.0 * math.pi * DOS_PER_SITE_AT_FERMI))

    def describe(self) -> str:
        return ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self))


def disorder_potential(params: ChainQuench) -> np.ndarray:
    """u_i with zero mean and rms params.disorder_rms, from numpy's Generator seeded by seed.

    ``box``: uniform on [-W/2, W/2] with W = sqrt(12) sigma; ``gaussian``: normal(0, sigma).
    """
    rng = np.random.default_rng(params.seed)
    sigma = params.disorder_rms
    if params.disorder_distribution == "box":
        half_width = math.sqrt(3.0) * sigma
        return rng.uniform(-half_width, half_width, params.n_sites)
    return rng.normal(0.0, sigma, params.n_sites)


def self_energy(pair_amplitude, density_excess, coupling, hartree_sign):
    """Eq. (C1): Delta_i = -U <c_{i down} c_{i up}>, delta u_i = s U/2 (n_i - 1)."""
    return -coupling * pair_amplitude, 0.5 * hartree_sign * coupling * density_excess
