"""`dbt docs generate` works offline, and every model, column, seed, source, macro, test and
exposure of the project has a description (bedrock_costs_dev.docs_coverage).

One empty build (`dbt build --empty`: every seed and model with zero rows, so the catalog sees
every real column) and one `dbt docs generate` are shared by the module. The negative tests
change a copy of the project, rebuild only what changed in a copy of that database, and check that
the checker reports exactly the planted gap.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bedrock_costs import summary
from bedrock_costs.quicksight import load_mart_tables
from bedrock_costs.report import dataset
from bedrock_costs_dev.docs_coverage import macro_arguments, missing_descriptions
from dbt_harness import (
    HANDWRITTEN_FIXTURE,
    PROJECT_DIR,
    copy_project,
    materialize_fixture_logs,
    run_dbt,
)

pytestmark = pytest.mark.dbt

PROJECT = "bedrock_tenant_costs"
DATABASE = "bedrock_tenant_costs.duckdb"


@dataclass(frozen=True)
class Docs:
    work_dir: Path
    logs_dir: Path
    manifest: dict[str, Any]
    catalog: dict[str, Any]

    @property
    def gaps(self) -> list[str]:
        return missing_descriptions(self.manifest, self.catalog)


def _artifacts(work_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    target = work_dir / "target"
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    return manifest, catalog


def _docs_generate(logs_dir: Path, work_dir: Path, project_dir: Path) -> None:
    run = run_dbt(["docs", "generate"], logs_dir, work_dir, project_dir=project_dir)
    assert run.ok, run.output
    # e.g. `Found patch for macro "x" which was not found`: a YAML entry that documents nothing.
    assert "WARNING" not in run.output, run.output


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Docs:
    root = tmp_path_factory.mktemp("docs")
    logs_dir = materialize_fixture_logs(HANDWRITTEN_FIXTURE, root / "logs")
    work_dir = root / "work"
    build = run_dbt(
        ["build", "--empty", "--resource-type", "seed", "--resource-type", "model"],
        logs_dir,
        work_dir,
    )
    assert build.ok, build.output
    _docs_generate(logs_dir, work_dir, PROJECT_DIR)
    return Docs(work_dir, logs_dir, *_artifacts(work_dir))


def _variant(docs: Docs, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the project and a work dir holding a copy of the shared empty database."""
    project_dir = copy_project(tmp_path / "project")
    work_dir = tmp_path / "work"
    work_dir.mkdir()
    shutil.copy(docs.work_dir / DATABASE, work_dir / DATABASE)
    return project_dir, work_dir


def test_docs_generate_catalogs_every_model_and_seed(docs: Docs) -> None:
    relations = {
        unique_id
        for unique_id, node in docs.manifest["nodes"].items()
        if node["package_name"] == PROJECT and node["resource_type"] in ("model", "seed")
    }
    assert relations, "the manifest holds no models"
    assert relations <= set(docs.catalog["nodes"]), sorted(relations - set(docs.catalog["nodes"]))
    # Real columns, not only declared ones: staging and intermediate models have more.
    priced = docs.catalog["nodes"][f"model.{PROJECT}.int_bedrock__invocations_priced"]
    assert {"price_id", "input_cost_usd", "tenant_id"} <= set(priced["columns"])


def test_everything_is_described(docs: Docs) -> None:
    gaps = docs.gaps
    assert gaps == [], f"{len(gaps)} undocumented item(s):\n" + "\n".join(gaps)


def test_macros_and_their_arguments_are_checked(docs: Docs) -> None:
    macros = {
        macro["name"]: macro
        for macro in docs.manifest["macros"].values()
        if macro["package_name"] == PROJECT
    }
    # Generic tests' macros and dispatch implementations are project macros too.
    assert {"test_non_negative", "duckdb__hash_text", "default__hash_text"} <= set(macros)
    assert macro_arguments(macros["test_expression_is_true"]) == [
        "model",
        "expression",
        "column_name",
    ]


def test_macro_signature_parsing_keeps_defaults_with_commas() -> None:
    macro = {
        "macro_sql": "{%- macro m(a, b=['x', 'y'], c='p,q', d={'k': (1, 2)}) -%}x{% endmacro %}"
    }
    assert macro_arguments(macro) == ["a", "b", "c", "d"]
    assert macro_arguments({"macro_sql": "{% macro none() %}{% endmacro %}"}) == []


def test_an_undocumented_column_in_a_model_is_reported(docs: Docs, tmp_path: Path) -> None:
    project_dir, work_dir = _variant(docs, tmp_path)
    model = project_dir / "models/staging/bedrock/stg_bedrock__quarantined_log_lines.sql"
    sql = model.read_text(encoding="utf-8")
    planted = sql.replace(
        "        delivered_hour_at\n",
        "        delivered_hour_at,\n        1 as undocumented_probe\n",
    )
    assert planted != sql, "the model's final select changed; plant the column elsewhere"
    model.write_text(planted, encoding="utf-8")
    run = run_dbt(
        ["run", "--empty", "--select", "stg_bedrock__quarantined_log_lines"],
        docs.logs_dir,
        work_dir,
        project_dir=project_dir,
    )
    assert run.ok, run.output
    _docs_generate(docs.logs_dir, work_dir, project_dir)
    gaps = missing_descriptions(*_artifacts(work_dir))
    assert set(gaps) ^ set(docs.gaps) == {
        f"model.{PROJECT}.stg_bedrock__quarantined_log_lines column undocumented_probe"
    }


def test_a_removed_column_description_is_reported(docs: Docs, tmp_path: Path) -> None:
    project_dir, work_dir = _variant(docs, tmp_path)
    path = project_dir / "models/marts/cost/_cost__models.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    model = next(m for m in document["models"] if m["name"] == "dim_tenants")
    column = next(c for c in model["columns"] if c["name"] == "tenant_id")
    del column["description"]
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    _docs_generate(docs.logs_dir, work_dir, project_dir)
    gaps = missing_descriptions(*_artifacts(work_dir))
    assert set(gaps) ^ set(docs.gaps) == {f"model.{PROJECT}.dim_tenants column tenant_id"}


def _exposure(docs: Docs, name: str) -> dict[str, Any]:
    exposure = docs.manifest["exposures"].get(f"exposure.{PROJECT}.{name}")
    assert exposure is not None, sorted(docs.manifest["exposures"])
    return exposure


def _reads(exposure: dict[str, Any]) -> set[str]:
    return {node.rsplit(".", 1)[-1] for node in exposure["depends_on"]["nodes"]}


def test_exposures_declare_what_the_report_and_dashboards_read(docs: Docs) -> None:
    marts = {table.name for table in load_mart_tables(PROJECT_DIR)}
    report = _exposure(docs, "bedrock_costs_report")
    assert report["type"] == "dashboard"
    assert _reads(report) == set(dataset.TABLES)
    quicksight = _exposure(docs, "quicksight_data_sets")
    assert quicksight["type"] == "dashboard"
    assert _reads(quicksight) == marts
    cli = _exposure(docs, "bedrock_costs_summary")
    assert cli["type"] == "application"
    # summary.py queries `from {schema}.<mart>`; the exposure must name exactly those marts.
    summary_code = Path(summary.__file__).read_text(encoding="utf-8")
    queried = set(re.findall(r"from \{[^}]*\}\.(\w+)", summary_code))
    assert queried
    assert queried <= marts
    assert _reads(cli) == queried
    for exposure in (report, quicksight, cli):
        assert exposure["owner"]["name"] == "bedrock_tenant_costs maintainers"
        assert exposure["maturity"] in ("low", "medium", "high")


def test_the_shipped_production_vars_are_all_known_vars() -> None:
    """vars/prod.example.yml, read by the README's cron line, names only vars the project has."""
    import yaml

    root = Path(__file__).resolve().parents[2]
    example = yaml.safe_load((root / "vars" / "prod.example.yml").read_text())
    project_vars = yaml.safe_load((root / "dbt_project.yml").read_text())["vars"]
    assert example, "empty example"
    assert set(example) <= set(project_vars), set(example) - set(project_vars)
    assert "vars/prod.yml" in (root / ".gitignore").read_text().split()
    assert "cat vars/prod.yml" in (root / "docs" / "athena.md").read_text()


def _anchors(markdown: str) -> set[str]:
    return {
        re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in markdown.splitlines()
        if line.startswith("#")
    }


def test_every_readme_anchor_link_names_a_heading() -> None:
    """The table of contents (and any #link) points at headings that exist, GitHub-style."""
    readme = (PROJECT_DIR / "README.md").read_text()
    links = set(re.findall(r"\]\(#([^)]+)\)", readme))
    assert len(links) >= 15
    assert links <= _anchors(readme), links - _anchors(readme)


def test_every_relative_link_of_the_docs_reaches_a_file_and_heading() -> None:
    """README.md and docs/*.md link to each other and to project files: none may dangle."""
    pages = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]
    checked = 0
    for page in pages:
        text = page.read_text()
        for target in re.findall(r"\]\(([^)#:]+)(?:#([^)]+))?\)", text):
            path, anchor = (page.parent / target[0]).resolve(), target[1]
            assert path.exists(), f"{page.name} links to missing {target[0]}"
            if anchor:
                assert anchor in _anchors(path.read_text()), f"{page.name}: {target[0]}#{anchor}"
            checked += 1
    assert checked >= 10, checked


PRICE_SEEDS = ("bedrock_model_prices", "bedrock_price_rules", "bedrock_long_context_rules")


def reference_keys_in(source: str) -> set[str]:
    """The keys of a price row's citation: `[ref A B]` gives {'ref A', 'ref B'}, `[audit 1.1]`
    gives {'audit N'}; tags such as [derived] or [unverified] are not keys."""
    keys: set[str] = set()
    for inside in re.findall(r"\[([^\]]+)\]", source):
        words = inside.split()
        if words[0] == "ref":
            keys |= {f"ref {word}" for word in words[1:]}
        elif words[0] == "audit":
            keys.add("audit N")
    return keys


def test_every_price_row_cites_a_source_the_docs_explain() -> None:
    import csv

    explained = set(
        re.findall(
            r"^\| (ref [A-Z]+|audit N|2nd) \|",
            (PROJECT_DIR / "docs" / "price-sources.md").read_text(),
            re.M,
        )
    )
    assert {"ref A", "ref LL", "audit N"} <= explained
    used: set[str] = set()
    for seed in PRICE_SEEDS:
        with (PROJECT_DIR / "seeds" / f"{seed}.csv").open(newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                assert row["source"].strip(), f"{seed}.csv line {number} cites no source"
                used |= reference_keys_in(row["source"])
    assert used, "no row uses a reference key: the parsing is broken"
    assert used <= explained, (
        f"keys used in the seeds but not in docs/price-sources.md: {used - explained}"
    )
    assert reference_keys_in("x [ref A B]; y [audit 1.1 error 5] [derived]") == {
        "ref A",
        "ref B",
        "audit N",
    }
