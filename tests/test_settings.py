"""The settings table: typed, overridable, and every setting documented in README."""
from __future__ import annotations

from pathlib import Path

import pytest

from index.settings import SETTINGS, load_settings
from tests.conftest import ROOT


def test_every_setting_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text("utf-8")
    missing = [s.env_var for s in SETTINGS if f"`{s.env_var}`" not in readme]
    assert missing == []


def test_environment_then_overrides(tmp_path):
    values = load_settings({"PORT": None, "WORKERS": 3},
                           environ={"MORGUE_PORT": "8080", "MORGUE_INDEX_DIR": "rel/idx"})
    assert values["PORT"] == 8080 and values["WORKERS"] == 3
    assert values["INDEX_DIR"] == Path.cwd() / "rel" / "idx"


def test_bad_values_stop_with_the_variable_named():
    with pytest.raises(SystemExit, match="MORGUE_PORT"):
        load_settings(environ={"MORGUE_PORT": "zero"})
    with pytest.raises(SystemExit, match="MORGUE_WORKERS"):
        load_settings(environ={"MORGUE_WORKERS": "0"})
    with pytest.raises(KeyError):
        load_settings({"NO_SUCH": 1})
