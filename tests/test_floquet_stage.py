"""Stage contract of higgsdyn.floquet: run_point / merge_points build results/p2/floquet.nc."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from conftest import QUICK, REPO
from higgsdyn.floquet import stage, usadel
from higgsdyn.io.datasets import convention_problems

QUICK_BLOCK = QUICK["p2"]["floquet"]


@pytest.fixture(scope="module")
def merged():
    jobs = list(stage.jobs(QUICK_BLOCK).values())
    assert len(jobs) == 11
    datasets = [stage.run_point(job) for job in reversed(jobs)]
    for ds in datasets:
        assert convention_problems(ds, require_provenance=False) == []
        assert "source_paper" in ds.attrs and "solver" in ds.attrs
    return stage.merge_points(datasets)


def test_merged_dataset_contract(merged):
    """ARCHITECTURE.md: dims omega0 and omega; ldos0, ldos2, ns1, ns2, Floquet bands."""
    assert convention_problems(merged, require_provenance=False) == []
    for name in ("ldos0", "ldos2", "quasienergy"):
        assert "omega0" in merged[name].dims
    assert merged["ldos0"].dims == ("omega0", "omega")
    assert merged["ns1"].dims == merged["ns2"].dims == ("omega0",)
    assert list(merged["omega0"].values) == [0.15, 1.0, 2.0]  # sorted on merge
    for suffix in ("gamma", "detuning"):
        for name in ("ns2_exponent", "n_excited_exponent", "ns1_log_slope"):
            assert np.isfinite(float(merged[f"{name}_{suffix}"]))
            assert float(merged[f"{name}_{suffix}_error"]) >= 0


def test_merged_fits_have_the_paper_signs(merged):
    """Even at tiny resolution: n_s^(2) < 0 and growing as gamma -> 0; N_ex decreasing."""
    assert float(merged["ns2_exponent_gamma"]) < -0.5
    assert -0.7 < float(merged["n_excited_exponent_gamma"]) < -0.3
    assert (merged["ns2_gamma"] < 0).all()


def test_unknown_job_and_sweep_rejected():
    with pytest.raises(ValueError, match="unknown floquet job"):
        stage.run_point({"job": "bands"})
    with pytest.raises(ValueError, match="sweep"):
        stage.run_point({**stage.jobs(QUICK_BLOCK)["gamma_gamma-0.004"], "sweep": "theta"})
    with pytest.raises(TypeError):
        stage.run_point({"job": "fig2", "omega_0": 1.0})


def test_nan_parameters_raise_with_the_point():
    scaling = stage.jobs(QUICK_BLOCK)["gamma_gamma-0.004"]
    with pytest.raises(ValueError, match="gamma_inel=nan"):
        stage.run_point({**scaling, "gamma_inel": float("nan")})
    with pytest.raises(ValueError, match="omega0"):
        stage.run_point({**scaling, "detuning": 2.5})


def test_static_superfluid_density_grid_converged():
    """n_s^(2) at a generic omega0 (resonances at j omega0 / 2 resolved) vs a finer grid."""
    drive = usadel.Drive(theta=0.2, omega0=2.75, gamma=0.01, temperature=0.01)
    values = [
        usadel.PerturbativeSolution(
            drive, usadel.frequency_grid(drive, 30.0, n, ppd)
        ).superfluid_density(2, 0)
        for n, ppd in ((1500, 15), (3001, 30))
    ]
    assert values[0].real == pytest.approx(values[1].real, rel=0.01)


@pytest.mark.slow
def test_default_resolution_scalings():
    """Paper-resolution gamma sweep at omega0 = 2 Delta: n_s^(2) ~ gamma^-1 and the
    dynamic amplitude ~ ln gamma with the same slope on both halves of the sweep."""
    jobs = stage.jobs(yaml.safe_load((REPO / "config/config.yaml").read_text())["p2"]["floquet"])
    gammas = ("0.001", "0.002", "0.004", "0.008")
    points = [stage.run_point(jobs[f"gamma_gamma-{gamma}"]) for gamma in gammas]
    fig2 = {**jobs["fig2_omega0-2.000"], "n_omega_display": 201}
    merged = stage.merge_points([*points, stage.run_point(fig2)])
    assert float(merged["ns2_exponent_gamma"]) == pytest.approx(-1.0, abs=0.03)
    dynamic = merged["ns1_cos_gamma"].values
    first, second = dynamic[0] - dynamic[1], dynamic[2] - dynamic[3]
    assert first == pytest.approx(second, rel=0.05)


def test_figures_render_from_merged_dataset(merged):
    """p2_fig2 (panels a, b, c) and p2_floquet_scaling draw from the merged dataset only."""
    import matplotlib

    matplotlib.use("Agg")
    from higgsdyn.figures import p2_fig2, p2_floquet_scaling

    assert float(merged.attrs["theta"]) == 0.2
    assert len(p2_fig2.plot({"floquet": merged}).axes) == 3 + 3 + 2
    assert len(p2_floquet_scaling.plot({"floquet": merged}).axes) == 6
