"""higgsdyn.io: provenance attributes, convention checks, atomic writes."""

import json
import os
import stat

import numpy as np
import pytest
import xarray as xr

from higgsdyn.io import (
    REQUIRED_GLOBAL_ATTRS,
    atomic_output,
    cf_attrs,
    config_sha256,
    convention_problems,
    read_dataset,
    write_dataset,
)


def _dataset(with_units=True):
    energy = xr.DataArray(
        np.linspace(-1, 1, 5), dims="energy", attrs={"units": "Delta_00", "long_name": "energy"}
    )
    gap = xr.DataArray(
        np.ones(5),
        dims="energy",
        attrs={"units": "Delta_00", "long_name": "gap"} if with_units else {},
    )
    ds = xr.Dataset({"gap": gap}, coords={"energy": energy})
    ds.attrs.update(source_paper="P1 Eq. 10", solver="test")
    return ds


def _write(ds, path):
    return write_dataset(
        ds, path, title="t", params={"b": 1, "a": [0.1, 0.2]}, references="ref", history="test"
    )


def test_write_dataset_stamps_every_provenance_attribute(tmp_path):
    path = _write(_dataset(), tmp_path / "out.nc")
    ds = read_dataset(path)
    assert convention_problems(ds) == []
    assert set(REQUIRED_GLOBAL_ATTRS) <= set(ds.attrs)
    assert ds.attrs["config_sha256"] == config_sha256({"a": [0.1, 0.2], "b": 1})
    assert json.loads(ds.attrs["config"]) == {"a": [0.1, 0.2], "b": 1}
    assert list(tmp_path.iterdir()) == [tmp_path / "out.nc"]  # no temporary left behind


def test_config_hash_ignores_key_order_and_sees_values():
    assert config_sha256({"a": 1, "b": 2}) == config_sha256({"b": 2, "a": 1})
    assert config_sha256({"a": 1}) != config_sha256({"a": 1.5})


def test_write_refuses_variable_without_units(tmp_path):
    with pytest.raises(ValueError, match="'gap' has no 'units'"):
        _write(_dataset(with_units=False), tmp_path / "out.nc")
    assert not (tmp_path / "out.nc").exists()


def test_atomic_output_leaves_no_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "sub" / "out.nc"
    with pytest.raises(RuntimeError), atomic_output(target) as temporary:
        temporary.write_text("half a file")
        raise RuntimeError("killed mid-write")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_atomic_output_replaces_old_file_only_when_complete(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with atomic_output(target) as temporary:
        temporary.write_text("new")
        assert target.read_text() == "old"
    assert target.read_text() == "new"


def test_atomic_output_removes_temporaries_of_a_killed_attempt(tmp_path):
    target = tmp_path / "out.nc"
    stale = tmp_path / ".out.nc.abc123.part"
    stale.write_text("left by SIGKILL")
    with atomic_output(target) as temporary:
        temporary.write_text("complete")
    assert not stale.exists()
    assert target.read_text() == "complete"


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_outputs_respect_the_umask(tmp_path, umask):
    """Issue 18: results were 0600 (mkstemp) whatever the umask, unreadable by the group."""
    previous = os.umask(umask)
    try:
        path = _write(_dataset(), tmp_path / f"out_{umask:o}.nc")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("units", ["J", "1/J"])
def test_hopping_units_are_not_joules(units):
    """Issue 18: UDUNITS reads "J" as joule; the chain's energy unit is spelled "J_hop"."""
    with pytest.raises(ValueError, match="J_hop"):
        cf_attrs(units, "an energy of the chain")


def test_datasets_declare_their_conventions(tmp_path):
    assert read_dataset(_write(_dataset(), tmp_path / "out.nc")).attrs["Conventions"] == "CF-1.8"


def test_validation_records_and_nan_fails(tmp_path):
    from higgsdyn.io.validation import below, close, write_report

    checks = [
        close("exact", "s", 1.0, 1.0 + 1e-12, 1e-9, "identity"),
        close("off", "s", 1.0, 2.0, 0.5, "identity"),
        below("nan", "s", float("nan"), 1.0, "bound"),
    ]
    assert [check.status for check in checks] == ["pass", "fail", "fail"]
    write_report(checks, tmp_path / "v.json", tmp_path / "v.md")
    records = json.loads((tmp_path / "v.json").read_text())
    assert [r["status"] for r in records] == ["pass", "fail", "fail"]
    assert "1 of 3 checks pass." in (tmp_path / "v.md").read_text()


def test_known_limitation_is_marked_apart_from_regressions_and_passes_when_met(tmp_path):
    from higgsdyn.io.validation import below, write_report

    checks = [
        below("limited", "s", 2.0, 1.0, "bound", known_limitation="solver lacks X"),
        below("met", "s", 0.5, 1.0, "bound", known_limitation="solver lacks X"),
        below("broken", "s", 2.0, 1.0, "bound"),
    ]
    assert [check.status for check in checks] == ["fail", "pass", "fail"]
    assert [check.regression for check in checks] == [False, False, True]
    write_report(checks, tmp_path / "v.json", tmp_path / "v.md")
    records = json.loads((tmp_path / "v.json").read_text())
    assert [r["known_limitation"] for r in records] == ["solver lacks X"] * 2 + [""]
    table = (tmp_path / "v.md").read_text()
    assert "| fail (known limitation) | s | limited |" in table
    assert "bound; known limitation: solver lacks X" in table
    assert "1 of 3 checks pass; 1 fail for a documented known limitation." in table


def test_merged_string_labels_of_different_lengths_survive_a_round_trip(tmp_path):
    """A label coordinate read back from a short-label file must not truncate longer labels."""
    points = []
    for label in ("paramagnetic", "paramagnetic_ag_initial"):
        ds = _dataset().assign_coords(disorder=((), label, {"units": "1", "long_name": "label"}))
        points.append(read_dataset(_write(ds, tmp_path / f"{label}.nc")).expand_dims("disorder"))
    merged = xr.concat(points, dim="disorder")
    again = read_dataset(_write(merged, tmp_path / "merged.nc"))
    assert list(again["disorder"].values) == ["paramagnetic", "paramagnetic_ag_initial"]


def test_version_has_one_home_and_the_license_file_matches_pyproject():
    """Issue 18: pyproject and higgsdyn.__version__ held two copies of the version."""
    import tomllib

    import higgsdyn
    from conftest import REPO

    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "higgsdyn.__version__"}
    assert higgsdyn.__version__
    assert pyproject["project"]["license"] == {"file": "LICENSE"}
    assert (REPO / "LICENSE").read_text().startswith("MIT License")


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_progress_reports_compile_time_apart_then_rate_and_eta(caplog):
    """First update (numba compile) on its own line; rate and ETA measured after it."""
    import logging

    from higgsdyn.io.progress import Progress

    clock = _Clock()
    log = logging.getLogger("test.progress")
    with caplog.at_level(logging.INFO, logger="test.progress"):
        progress = Progress(log, "KB run", total=1000, every_s=10.0, clock=clock)
        clock.now = 70.0  # compile
        progress.update(10, sim_time=0.4)
        clock.now = 75.0
        progress.update(60, sim_time=2.4)  # within every_s: no line
        clock.now = 80.0
        progress.update(110, sim_time=4.4)
        clock.now = 100.0
        progress.finish()
    lines = [record.getMessage() for record in caplog.records]
    assert (
        lines[0] == "KB run: first 10 steps after 70.0 s (includes numba compilation or cache load)"
    )
    # 100 steps in the 10 s after the first update: 10 steps/s, 890 left -> 1:29
    assert lines[1] == "KB run: 110/1000 steps (11%), t = 4.4, 10 steps/s, ETA 1:29"
    assert lines[2] == "KB run: 1000 steps done in 1:40"
    assert len(lines) == 3


def test_floquet_sambe_solve_logs_progress_and_chunks_change_nothing(caplog, monkeypatch):
    """Chunked Sambe solve (bounded memory, progress lines) equals the one-block solve."""
    import logging

    from higgsdyn.floquet import usadel
    from higgsdyn.io.progress import Progress

    drive = usadel.Drive(theta=0.2, omega0=1.7, gamma=0.05, temperature=0.05)
    grid = usadel.frequency_grid(drive, 6.0, 101, 4)
    monkeypatch.setattr(Progress, "every_s", 0.0)
    with caplog.at_level(logging.INFO, logger="higgsdyn.floquet.usadel"):
        monkeypatch.setattr(usadel, "FREQUENCY_CHUNK", 64)
        chunked = usadel.nonperturbative_current_integrands(grid, drive, 3)
    monkeypatch.setattr(usadel, "FREQUENCY_CHUNK", grid.size)
    whole = usadel.nonperturbative_current_integrands(grid, drive, 3)
    for part, reference in zip(chunked, whole, strict=True):
        np.testing.assert_allclose(part, reference, rtol=1e-12, atol=1e-14)
    lines = [record.getMessage() for record in caplog.records]
    assert grid.size > 2 * 64 and len(lines) == -(-grid.size // 64) + 1, lines
    assert "ETA" in lines[1] and f"/{grid.size} frequencies" in lines[1]
