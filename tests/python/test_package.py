"""`pip install .` in a fresh virtual environment gives a package that imports and runs without
the development toolchain (no dbt, moto, sqlglot, pytest or Trino client): every module of
bedrock_costs imports and `bedrock-costs --help` works. Needs PyPI (the package's own
dependencies and setuptools), like `make install`."""

from __future__ import annotations

import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from dbt_harness import PROJECT_DIR

pytestmark = pytest.mark.install

DEV_ONLY = ("dbt", "moto", "sqlglot", "pytest", "trino", "bedrock_costs_dev", "athena_local")

IMPORT_EVERY_MODULE = f"""
import importlib, importlib.util, pkgutil, sys
import bedrock_costs
names = [m.name for m in pkgutil.walk_packages(bedrock_costs.__path__, "bedrock_costs.")]
assert len(names) > 10, names
for name in names:
    importlib.import_module(name)
present = [n for n in {DEV_ONLY!r} if importlib.util.find_spec(n) is not None]
assert not present, f"dev-only packages in the fresh environment: {{present}}"
print(len(names), "modules")
"""


def test_pip_install_gives_a_package_that_runs_without_dev_tools(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the repository
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(PROJECT_DIR / name, source / name)
    shutil.copytree(
        PROJECT_DIR / "src",
        source / "src",
        ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"),
    )
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(source)], check=True, timeout=900
    )
    imported = subprocess.run(
        [str(python), "-c", IMPORT_EVERY_MODULE], capture_output=True, text=True, check=False
    )
    assert imported.returncode == 0, imported.stderr
    assert "modules" in imported.stdout
    helped = subprocess.run(
        [str(environment / "bin" / "bedrock-costs"), "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert helped.returncode == 0, helped.stderr
    assert "athena" in helped.stdout
    assert "report" in helped.stdout
