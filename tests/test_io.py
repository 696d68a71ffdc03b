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
