"""P1 quench stage: one (disorder, zeta, lambda_f) point -> xarray.Dataset, and the merge.

Units: energies in Delta_1 (clean grid gap at lambda_f), times in 1/Delta_1;
zeta = 1/(tau_s Delta_1) (paramagnetic) or 1/(tau_u Delta_1) (nonmagnetic), P1 Figs. 2-3.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import numba
import numpy as np
import xarray as xr

from higgsdyn import analysis
from higgsdyn.io import cf_attrs
from higgsdyn.io.keys import job_table, point_key
from higgsdyn.pseudospin import quench
from higgsdyn.pseudospin.quench import QuenchParams

log = logging.getLogger(__name__)

PAPER = "P1"
REFERENCES = (
    "P1 Eqs. (9)-(13), (15), Figs. 1-3; Suppl. Eqs. (16)-(22), (39)-(41), (63), (66), (77)-(79)"
)
CONFIG_BLOCK = ("p1", "quench")
DATASETS = {"quench": "P1 collisionless quench dynamics of the pairing amplitude"}
# file-key field -> job parameter (quench points and the clean runs they share)
KEY_FIELDS = {
    "zeta": "zeta",
    "lf": "lambda_f",
    "li": "lambda_i",
    "N": "n_levels",
    "h": "dt",
    "o": "order",
    "tc": "clean_t_max",
}
# Spectral peaks are searched below 6 Delta_1 (3 x 2 Delta_1): the amplitude mode lives near
# 2 Delta; above, only the decaying level-by-level precession at 2 E_p remains.
OMEGA_MAX = 6.0


def analyse(time: np.ndarray, gap: np.ndarray, zeta: float, window_start: float) -> dict:
    """Late-window statistics of Delta(t): mean, oscillation fits, convergence, envelope decay.

    Fig. 3(b) form Delta = Delta_1 - zeta [A + B cos(omega t + phi)] fitted twice: ``A, B,
    phi`` with omega free (``omega_fit``), ``A_fixed, B_fixed, phi_fixed`` at the caption's
    omega = 2 Delta_1 (phenomenology: the oscillation runs below 2 Delta_1, so B_fixed and
    phi_fixed measure the frequency mismatch). Envelope exponent on [t_max/8, t_max].
    """
    t, values = analysis.late_window(time, gap, window_start)
    sinusoid = analysis.fit_sinusoid(t, values, omega_max=OMEGA_MAX)
    amplitude_drift, mean_drift = analysis.window_drift(t, values, t[0], omega_max=OMEGA_MAX)
    period = 2.0 * np.pi / sinusoid.omega
    exponent = analysis.decay_exponent(*analysis.late_window(time, gap, time[-1] / 8), period)
    out = {
        "steady_mean": (float(values.mean()), "Delta_1", "mean of Delta(t) over the window"),
        "steady_amplitude": (
            sinusoid.amplitude,
            "Delta_1",
            "amplitude of the fitted sinusoid mean + R cos(omega t + phase) in the window",
        ),
        "steady_amplitude_err": (sinusoid.amplitude_err, "Delta_1", "std error of R"),
        "steady_peak_to_peak": (
            float(values.max() - values.min()),
            "Delta_1",
            "max - min of Delta(t) in the window (peak-to-peak)",
        ),
        "steady_frequency": (
            sinusoid.omega,
            "Delta_1",
            "angular frequency of the oscillation: spectral peak (< 6 Delta_1) refined by a fit",
        ),
        "steady_frequency_err": (sinusoid.omega_err, "Delta_1", "std error of omega"),
        "steady_frequency_spectral": (
            analysis.spectral_peak(t, values, omega_max=OMEGA_MAX),
            "Delta_1",
            "angular frequency of the Hann-windowed spectral peak (before refinement)",
        ),
        "fit_rms_residual": (sinusoid.rms_residual, "Delta_1", "rms residual of that fit"),
        "steady_phase": (sinusoid.phase, "rad", "phase of that fit, cos(omega t + phase)"),
        "steady_phase_err": (sinusoid.phase_err, "rad", "std error of the phase"),
        "steady_amplitude_drift": (
            amplitude_drift,
            "1",
            "(R of the second half - R of the first half of the window) / R: 0 when converged",
        ),
        "steady_mean_drift": (
            mean_drift,
            "Delta_1",
            "mean of the second half - mean of the first half of the window",
        ),
        "decay_exponent": (
            exponent[0],
            "1",
            "p of the envelope |Delta - running mean| ~ t^p on [t_max/8, t_max] (local maxima)",
        ),
        "decay_exponent_err": (exponent[1], "1", "std error of p (log-log least squares)"),
    }
    caption = "Delta = Delta_1 - zeta [A + B cos(omega t + phi)] in the window (P1 Fig. 3b form)"
    fits = {"": None, "_fixed": None}  # the form is undefined without disorder
    if zeta > 0.0:
        fits = {
            "": analysis.offset_cosine(sinusoid, zeta, reference=1.0),
            "_fixed": analysis.fit_offset_cosine(t, values, zeta, reference=1.0, omega=2.0),
        }
    how = {"": "omega free", "_fixed": "omega = 2 Delta_1 as in the caption (phenomenology)"}
    for suffix, fit in fits.items():
        for name, unit in (("A", "1"), ("B", "1"), ("phi", "rad")):
            value = np.nan if fit is None else getattr(fit, name)
            error = np.nan if fit is None else getattr(fit, f"{name}_err")
            out[f"{name}{suffix}"] = (value, unit, f"{name} of {caption}, {how[suffix]}")
            out[f"{name}{suffix}_err"] = (error, unit, f"std error of {name}{suffix}")
    out["omega_fit"] = (
        np.nan if zeta == 0.0 else sinusoid.omega,
        "Delta_1",
        "omega of the free-frequency Fig. 3(b) fit (= steady_frequency)",
    )
    out["omega_fit_err"] = (
        np.nan if zeta == 0.0 else sinusoid.omega_err,
        "Delta_1",
        "std error of omega_fit",
    )
    return out


def higgs_predictions(mean_gap: float, zeta: float, disorder: str) -> dict:
    """Closed-form Higgs frequencies at the measured mean gap D, with x = zeta/D = 1/(tau D).

    Paramagnetic: printed P1 Eq. (13) 2D sqrt(1 - x^2) and the P1 Eq. (9)-consistent
    2D sqrt(1 - x^2/4) (factor-2 finding of the equilibrium stage); nonmagnetic: P1 Eq. (15)
    2D sqrt(1 + x^2) (NaN for the other type). For comparison with steady_frequency.
    """
    x = zeta / mean_gap
    para = disorder == "paramagnetic"
    nan = float("nan")
    return {
        "zeta_over_mean_gap": (x, "1", "1/(tau D) with D = steady_mean (zeta relative to the gap)"),
        "omega_eq13": (
            2 * mean_gap * np.sqrt(1 - x * x) if para and x < 1 else nan,
            "Delta_1",
            "printed Eq. (13): 2 D sqrt(1 - (1/(tau_s D))^2), D = steady_mean",
        ),
        "omega_corrected": (
            2 * mean_gap * np.sqrt(1 - x * x / 4) if para else nan,
            "Delta_1",
            "Eq. (9)-consistent 2 D sqrt(1 - (1/(2 tau_s D))^2), D = steady_mean",
        ),
        "omega_eq15": (
            2 * mean_gap * np.sqrt(1 + x * x) if not para else nan,
            "Delta_1",
            "printed Eq. (15): 2 D sqrt(1 + (1/(tau_u D))^2), D = steady_mean",
        ),
    }


# The settings a clean steady state (Delta_s, theta_p) depends on: one clean run per
# distinct set serves every disorder type, zeta and initial state (quench.clean_steady_state).
CLEAN_UNITS = {
    "lambda_i": "1",
    "lambda_f": "1",
    "n_levels": "1",
    "dt": "1/Delta_1",
    "order": "1",
    "clean_t_max": "1/Delta_1",
}
CLEAN_KEYS = tuple(CLEAN_UNITS)


def clean_params(params: Mapping[str, Any]) -> dict | None:
    """Parameters of the clean run a quench point needs, or None if it needs none."""
    if not quench.needs_clean_run(QuenchParams(**params)):
        return None
    return {"job": "clean", **{key: params[key] for key in CLEAN_KEYS}}


def run_clean_point(params: dict) -> xr.Dataset:
    """Clean steady state of lambda_i -> lambda_f: Delta_s and cos theta_p (P1 Eq. (11))."""
    values = {key: params[key] for key in CLEAN_KEYS}
    label = f"(clean, lambda_f={values['lambda_f']})"
    log.info("clean steady state %s", label)
    clean = quench.clean_steady_state(**values, label=label)
    if not (np.isfinite(clean.gap_steady) and np.all(np.isfinite(clean.cos_theta))):
        raise FloatingPointError(f"non-finite clean steady state for {label}")
    data_vars = {
        "delta_s": ((), clean.gap_steady, cf_attrs("Delta_1", "clean steady-state gap Delta_s")),
        "cos_theta": (
            ("eps",),
            clean.cos_theta,
            cf_attrs("1", "cos theta_p: clean steady-state projection (adapted Suppl. Eqs. 77-79)"),
        ),
    }
    data_vars.update(
        {
            key: ((), value, cf_attrs(CLEAN_UNITS[key], f"clean-run setting {key}"))
            for key, value in values.items()
        }
    )
    dataset = xr.Dataset(
        data_vars, coords={"eps": ("eps", clean.eps, cf_attrs("Delta_1", "level energy eps_p"))}
    )
    dataset.attrs["source_paper"] = REFERENCES
    dataset.attrs["solver"] = (
        f"clean quench, exact-rotation splitting order {values['order']}, h={values['dt']}, "
        f"N={values['n_levels']}, t_max={values['clean_t_max']}"
    )
    log.info("done %s: Delta_s %.6f, %.1f s", label, clean.gap_steady, clean.seconds)
    return dataset


def _clean_from_dataset(dataset: xr.Dataset, params: Mapping[str, Any]) -> quench.CleanSteadyState:
    """The clean steady state stored by :func:`run_clean_point`, checked against ``params``."""
    stored = {key: dataset[key].item() for key in CLEAN_KEYS}
    wanted = {key: params[key] for key in CLEAN_KEYS}
    if stored != wanted:
        raise ValueError(f"clean steady state was computed for {stored}, the point needs {wanted}")
    return quench.CleanSteadyState(
        eps=np.asarray(dataset["eps"].values, dtype=float),
        gap_steady=float(dataset["delta_s"]),
        cos_theta=np.asarray(dataset["cos_theta"].values, dtype=float),
        seconds=0.0,  # spent in the clean job
    )


def run_point(params: dict, clean: xr.Dataset | None = None) -> xr.Dataset:
    """One job: a clean run (``job: clean``, :func:`run_clean_point`) or one quench:
    Delta(t) (P1 Eqs. (9)-(10)) and its late-time analysis, as a dataset.

    ``clean``: the dataset of the clean run :func:`clean_params` names for this point (the
    workflow runs it once per lambda_f); computed here when needed and not given.
    """
    if params.get("job") == "clean":
        return run_clean_point(params)
    point = QuenchParams(**params)
    numba.set_num_threads(min(point.threads, numba.config.NUMBA_NUM_THREADS))
    log.info("quench %s", point.describe())
    steady = None if clean is None else _clean_from_dataset(clean, params)
    result = quench.simulate(point, label=point.describe(), clean=steady)
    if not np.all(np.isfinite(result.gaps)):
        raise FloatingPointError(f"non-finite Delta(t) for {point.describe()}")
    if point.zeta == 0.0 and result.max_norm_deviation > 1e-8:
        raise RuntimeError(
            f"clean run lost |S_p| = 1 by {result.max_norm_deviation:.3g} for {point.describe()}"
        )
    keep = slice(None, None, point.output_every)
    time, gap = result.time[keep], result.gaps[keep]
    stats = analyse(time, gap, point.zeta, point.window_start)
    stats.update(higgs_predictions(stats["steady_mean"][0], point.zeta, point.disorder))
    scalars = {
        "gap_initial": (result.gap_initial, "Delta_1", "Delta(0) of the initial state (Eq. 10)"),
        "gap_initial_clean": (
            result.gap_initial_clean,
            "Delta_1",
            "clean BCS gap Delta_0 at lambda_i (Eq. 10 on the grid)",
        ),
        "gap_final": (1.0, "Delta_1", "clean equilibrium gap Delta_1 at lambda_f (the unit)"),
        "gap_final_ag": (
            result.gap_final_ag,
            "Delta_1",
            "AG equilibrium gap at lambda_f with the same impurity rates (Eqs. 10, 12)",
        ),
        "delta_s": (result.gap_steady, "Delta_1", "Delta_s used in L_p (Eq. 11), W_p, theta_p"),
        "max_norm_deviation": (
            result.max_norm_deviation,
            "1",
            "max over levels and chunk ends of | |S_p| - 1 |",
        ),
        "norm_violated": (
            result.max_norm_deviation > point.norm_tolerance,
            "1",
            f"max_norm_deviation > {point.norm_tolerance:g}: |S_p| = 1 of Eq. (9) broken, "
            "outside the equations' validity",
        ),
        "omega_D": (result.cutoff, "Delta_1", "cutoff omega_D of Eq. (10)"),
        "n_levels": (point.n_levels, "1", "N equally spaced levels in [-omega_D, omega_D]"),
        **stats,
    }
    data_vars = {name: ((), value, cf_attrs(u, ln)) for name, (value, u, ln) in scalars.items()}
    data_vars["gap_t"] = (("time",), gap, cf_attrs("Delta_1", "pairing amplitude Delta(t), Eq. 10"))
    coords = {
        "time": ("time", time, cf_attrs("1/Delta_1", "time after the quench")),
        "disorder": ((), point.label, cf_attrs("1", "disorder type [_initial-state variant]")),
        "zeta": ((), point.zeta, cf_attrs("1", "zeta = 1/(tau Delta_1), tau = tau_s or tau_u")),
        "lambda_f": ((), point.lambda_f, cf_attrs("1", "final coupling lambda_f, Eq. 10")),
    }
    dataset = xr.Dataset(data_vars, coords=coords)
    dataset.attrs["source_paper"] = REFERENCES
    dataset.attrs["solver"] = point.solver()
    dataset.attrs["lambda_i"] = point.lambda_i
    log.info(
        "done %s: mean %.5f, amplitude %.3g, omega %.5f, %.1f s",
        point.describe(),
        stats["steady_mean"][0],
        stats["steady_amplitude"][0],
        stats["steady_frequency"][0],
        result.main_seconds + result.clean_seconds,
    )
    return dataset


def merge_points(datasets: list[xr.Dataset]) -> xr.Dataset:
    """Merged quench dataset: dims (disorder, zeta, lambda_f, time); absent points are NaN."""
    if not datasets:
        raise ValueError("no quench points to merge")
    times = {tuple(np.round(ds["time"].values, 12)) for ds in datasets}
    if len(times) != 1:
        raise ValueError("quench points have different time grids (t_max, dt, output_every)")
    expanded = [ds.expand_dims(["disorder", "zeta", "lambda_f"]) for ds in datasets]
    merged = xr.merge(expanded, join="outer", combine_attrs="drop_conflicts", compat="no_conflicts")
    for name, variable in merged.variables.items():
        source = datasets[0][name] if name in datasets[0].variables else None
        if source is not None:
            variable.attrs.update(source.attrs)
    solvers = sorted({ds.attrs["solver"] for ds in datasets})
    merged.attrs["source_paper"] = REFERENCES
    merged.attrs["solver"] = " | ".join(solvers)
    merged.attrs["figure_lambda_f"] = figure_lambda_f(merged)
    return merged


GRID_KEYS = ("name", "disorder", "zeta", "lambda_f")


def figure_lambda_f(quench: xr.Dataset) -> float:
    """lambda_f of P1's figures in merged quench points: the one with the most computed
    points over all labels (the figure grid, where every disorder type and variant was run)."""
    counts = quench["gap_t"].notnull().all("time").sum(("disorder", "zeta"))
    return float(quench["lambda_f"][int(np.argmax(counts.values))])


def expand_grids(settings: Mapping[str, Any]) -> list[dict]:
    """All job parameter dicts of the ``p1.quench`` config block (one per point).

    ``settings`` holds the shared options and ``grids``: each grid is the product
    disorder x zeta x lambda_f and may override any shared option (e.g. ``initial_state``)
    and set ``variant`` (appended to the disorder label). Duplicate points (same label,
    zeta, lambda_f) are an error.
    """
    shared = {key: value for key, value in settings.items() if key != "grids"}
    points, seen = [], set()
    for grid in settings["grids"]:
        overrides = {key: value for key, value in grid.items() if key not in GRID_KEYS}
        for disorder in grid["disorder"]:
            for zeta in grid["zeta"]:
                for lambda_f in grid["lambda_f"]:
                    params = {
                        **shared,
                        **overrides,
                        "disorder": disorder,
                        "zeta": float(zeta),
                        "lambda_f": float(lambda_f),
                    }
                    point = QuenchParams(**params)
                    key = (point.label, point.zeta, point.lambda_f)
                    if key in seen:
                        raise ValueError(f"grid {grid['name']!r} repeats the point {key}")
                    seen.add(key)
                    points.append(asdict(point))
    return points


def key_of(params: Mapping[str, Any]) -> str:
    """``paramagnetic_zeta-0.100_lf-0.450`` (quench) or, for the clean run of lambda_i ->
    lambda_f those points share, ``clean_lf-0.450_li-0.339_N-400_h-0.050_o-4_tc-20.000``."""
    if params.get("job") == "clean":
        fields = {short: params[name] for short, name in KEY_FIELDS.items() if name in CLEAN_KEYS}
        return point_key(["clean"], fields)
    label = QuenchParams(**params).label
    return point_key([label], {"zeta": params["zeta"], "lf": params["lambda_f"]})


def jobs(block: Mapping[str, Any]) -> dict[str, dict]:
    """Every quench point of the ``p1.quench`` grids and the clean runs they need."""
    points = expand_grids(block)
    cleans = [clean for clean in map(clean_params, points) if clean is not None]
    return job_table((key_of(params), params) for params in points + cleans)


def dataset_of(params: Mapping[str, Any]) -> str | None:
    """Quench points are merged into quench.nc; clean runs only feed them."""
    return None if params.get("job") == "clean" else "quench"


def companions(params: Mapping[str, Any]) -> dict[str, str]:
    """The clean run a quench point reads (``clean``), if it needs one."""
    if params.get("job") == "clean":
        return {}
    clean = clean_params(params)
    return {} if clean is None else {"clean": key_of(clean)}


# Cost of a run (docs/scaling.md: <= 50 s at N = 15024, t = 400/Delta_1, h = 1/32, order 6,
# one core): seconds ~ SECONDS_PER_LEVEL_STEP x N x (t_max / h).
SECONDS_PER_LEVEL_STEP = 2.6e-7


def resources(params: Mapping[str, Any]) -> dict[str, int]:
    """Scheduler request from the run's size: 3x the cost model, at least 5 minutes; memory
    measured <= 0.4 GB."""
    t_max = params["clean_t_max"] if params.get("job") == "clean" else params["t_max"]
    seconds = SECONDS_PER_LEVEL_STEP * params["n_levels"] * t_max / params["dt"]
    return {
        "runtime": max(5, math.ceil(3 * seconds / 60)),
        "mem_mb": 1000,
        "threads": int(params.get("threads", 1)),
    }
