"""The bedrock-costs command line: help, argument errors, exit codes, the summary table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bedrock_costs.cli import main
from bedrock_costs.summary import BillTotals, Overview, TenantRow, format_usd, render


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("sample-logs", "summary", "pricing"):
        assert command in out
    assert "Exit codes" in out


@pytest.mark.parametrize("command", ["sample-logs", "summary"])
def test_each_command_help_has_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "Example: bedrock-costs " + command in capsys.readouterr().out


def test_bad_arguments_exit_2_with_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["sample-logs", "--out", "x", "--days", "0"])
    assert exit_info.value.code == 2
    assert "at least 1" in capsys.readouterr().err


def test_summary_without_database_says_how_to_build_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["summary", "--database", str(tmp_path / "missing.duckdb")])
    assert code == 1
    err = capsys.readouterr().err
    assert "missing.duckdb" in err
    assert "dbt build" in err


def test_summary_table_shows_shares_and_totals() -> None:
    overview = Overview(
        first_day="2026-10-01",
        last_day="2026-10-30",
        invocation_count=30,
        tenant_count=2,
        total_cost_usd=Decimal("40"),
        unpriced_invocation_count=3,
        quarantined_line_count=1,
    )
    tenants = [
        TenantRow("acme", 20, 1_000_000, Decimal("30"), 2),
        TenantRow("globex", 10, 500, Decimal("10"), 1),
    ]
    text = render(overview, tenants)
    lines = text.splitlines()
    assert lines[0] == "Top 2 tenants by cost, 2026-10-01 to 2026-10-30 (UTC)"
    acme = next(line for line in lines if line.startswith("acme"))
    assert "1,000,000" in acme
    assert "$30.00" in acme
    assert "75.0%" in acme
    assert "$40.00 priced" in text
    assert "Unpriced invocations: 3" in text


def test_small_amounts_keep_four_decimals() -> None:
    assert format_usd(Decimal("0.0005995")) == "$0.0006"
    assert format_usd(Decimal("1234.567")) == "$1,234.57"


@pytest.mark.parametrize(
    "command",
    [
        ["logging"],
        ["logging", "enable"],
        ["logging", "status"],
        ["logs"],
        ["logs", "fetch"],
        ["bill"],
        ["bill", "fetch"],
    ],
    ids=" ".join,
)
def test_aws_command_help_has_an_example_and_exit_codes(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "Example: bedrock-costs " + command[0] in out
    if len(command) == 2:
        assert "Exit codes" in out
        assert "IAM" in out


def test_main_help_lists_the_aws_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "logging" in out
    assert "logs" in out
    assert "bill" in out


def test_logging_enable_help_says_bodies_are_off_by_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["logging", "enable", "--help"])
    out = capsys.readouterr().out
    for word in ("text", "image", "embedding", "video"):
        assert f"--{word}-bodies" in out
    assert "BODIES are not logged unless you ask" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["summary", "--database", "/etc/passwd"],
        ["sample-logs", "--out", "/proc/no-such-dir/logs", "--days", "1", "--quiet"],
        ["report", "--database", "/etc/passwd", "--out", "/tmp/never-written.html"],
    ],
)
def test_a_bad_file_argument_is_an_error_message_not_a_traceback(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "Traceback" not in err


def test_summary_says_how_much_of_the_total_is_an_estimate() -> None:
    overview = Overview("2026-10-01", "2026-10-30", 30, 2, Decimal("40"), 0, 0, Decimal("10"))
    text = render(overview, [TenantRow("acme", 30, 1000, Decimal("40"), 0)])
    assert "Of that, $10.00 (25.0%) is an estimate and can only be low" in text
    exact = Overview("2026-10-01", "2026-10-30", 30, 2, Decimal("40"), 0, 0)
    assert "estimate" not in render(exact, [TenantRow("acme", 30, 1000, Decimal("40"), 0)])


def test_summary_lists_the_attribution_issues_behind_the_builds_warning() -> None:
    issues = (("lookalike_tenant_id", 1200), ("principal_not_allowed", 7))
    overview = Overview("2026-10-01", "2026-10-30", 30, 2, Decimal("40"), 0, 0, Decimal(0), issues)
    text = render(overview, [TenantRow("acme", 30, 1000, Decimal("40"), 0)])
    assert (
        "Tenant attribution to check (invocations): lookalike_tenant_id 1,200, "
        "principal_not_allowed 7. See dq_tenant_attribution_issues" in text
    )
    clean = Overview("2026-10-01", "2026-10-30", 30, 2, Decimal("40"), 0, 0)
    assert "attribution" not in render(clean, [TenantRow("acme", 30, 1000, Decimal("40"), 0)])


def test_summary_reads_the_database_dbt_builds_and_says_which(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --database, summary follows BEDROCK_COSTS_DUCKDB_PATH as the dbt profile does."""
    database = tmp_path / "my-logs.duckdb"
    monkeypatch.setenv("BEDROCK_COSTS_DUCKDB_PATH", str(database))
    assert main(["summary"]) == 1
    assert f"no DuckDB database at {database}" in capsys.readouterr().err
    monkeypatch.delenv("BEDROCK_COSTS_DUCKDB_PATH")
    monkeypatch.chdir(tmp_path)
    assert main(["summary"]) == 1
    assert "no DuckDB database at target/bedrock_tenant_costs.duckdb" in capsys.readouterr().err


def test_summary_shows_the_bill_beside_the_estimate_when_there_is_one() -> None:
    overview = Overview(
        first_day="2026-10-01",
        last_day="2026-10-30",
        invocation_count=30,
        tenant_count=2,
        total_cost_usd=Decimal("40"),
        unpriced_invocation_count=0,
        quarantined_line_count=0,
        bill=BillTotals("2026-10-01", "2026-10-30", Decimal("40"), Decimal("42")),
    )
    tenants = [
        TenantRow("acme", 20, 1000, Decimal("30"), 0, Decimal("31.50")),
        TenantRow("globex", 10, 500, Decimal("10"), 0, None),
    ]
    lines = render(overview, tenants).splitlines()
    assert lines[2].split()[-2:] == ["billed", "(USD)"]
    assert next(line for line in lines if line.startswith("acme")).endswith("$31.50")
    assert next(line for line in lines if line.startswith("globex")).endswith("-")
    bill = next(line for line in lines if line.startswith("AWS bill"))
    assert "billed $42.00 against $40.00 estimated" in bill
    assert "$2.00 (+4.8%) apart" in bill
    without = render(Overview(**{**overview.__dict__, "bill": None}), tenants)
    assert "billed" not in without
    assert "AWS bill" not in without


def test_a_bill_without_the_seeds_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            *("sample-logs", "--out", str(tmp_path / "logs"), "--days", "1"),
            *("--invocations", "20", "--quiet", "--cur-out", str(tmp_path / "bill")),
            *("--seeds", str(tmp_path / "no-seeds")),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "no-seeds/bedrock_model_prices.csv is missing" in err
    assert "--seeds DIR" in err
    assert not (tmp_path / "logs").exists()  # stopped before writing any log
