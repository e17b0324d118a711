"""`bedrock-costs alerts`: each alert once to SNS (moto) and to a webhook (a local HTTP server).

The marts are tables typed from the dbt contracts (the marts' YAML, as `quicksight deploy`
reads them), holding rows written here, so no dbt build is needed and a renamed contract column
breaks these tests rather than a user's alerts.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest
from moto import mock_aws

from bedrock_costs.alerts import (
    Alert,
    check_webhook_url,
    find_alerts,
    slack_text,
)
from bedrock_costs.cli import main
from bedrock_costs.quicksight import load_mart_tables
from bedrock_costs.report.source import open_duckdb
from dbt_harness import PROJECT_DIR

REGION = "us-east-1"
EXPECTED_KEYS = {
    "over_budget|2026-10|acme",
    "projected_over|2026-11|globex",
    "cost_anomaly|2026-11-03|acme",
    "unpriced_usage|2026-11-02|vendor.new-model-v1:0|us-west-2",
    # October: billed 100 against 90 estimated on the days the bill has reached (the 20th,
    # logged but not billed yet, is after the newest billed day and not compared)
    "bill_difference|2026-10|10%",
}


def _insert(connection: Any, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        connection.execute(
            f"insert into bedrock_marts.{table} ({names}) values ({marks})", list(row.values())
        )


def build_marts(path: Path, *, without: tuple[str, ...] = ()) -> Path:
    """Every mart as its contract declares it, with rows for one alert of each kind (and rows
    that must not alert: a tenant within budget, a bill month within 2%)."""
    connection = duckdb.connect(str(path))
    connection.execute("create schema bedrock_marts")
    for table in load_mart_tables(PROJECT_DIR):
        if table.name in without:
            continue
        columns = ", ".join(f'"{c.name}" {c.data_type}' for c in table.columns)
        connection.execute(f"create table bedrock_marts.{table.name} ({columns})")
    statement = {"days_in_month": 31, "is_month_complete": True, "as_of_date": date(2026, 11, 5)}
    rows = {
        "fct_tenant_monthly_statement": [
            {
                **statement,
                "statement_month": date(2026, 10, 1),
                "tenant_id": "acme",
                "total_cost_usd": Decimal("120.50"),
                "budget_usd": Decimal("100"),
                "budget_status": "over_budget",
            },
            {
                **statement,
                "statement_month": date(2026, 11, 1),
                "tenant_id": "globex",
                "total_cost_usd": Decimal("20"),
                "budget_usd": Decimal("50"),
                "projected_month_end_cost_usd": Decimal("80"),
                "is_month_complete": False,
                "budget_status": "projected_over",
            },
            {
                **statement,
                "statement_month": date(2026, 11, 1),
                "tenant_id": "initech",
                "total_cost_usd": Decimal("1"),
                "budget_usd": Decimal("50"),
                "budget_status": "within_budget",
            },
        ],
        "fct_tenant_daily_cost_anomalies": [
            {
                "usage_date": date(2026, 11, 3),
                "tenant_id": "acme",
                "total_cost_usd": Decimal("40"),
                "baseline_median_cost_usd": Decimal("4"),
                "cost_ratio_to_baseline": 10.0,
                "anomaly_kind": "spike",
            }
        ],
        "dq_unpriced_usage": [
            {
                "usage_date": date(2026, 11, 2),
                "logged_model_id": "vendor.new-model-v1:0",
                "region": "us-west-2",
                "invocation_count": count,
            }
            for count in (3, 4)
        ],
        "fct_bedrock_bill_reconciliation": [
            {
                "usage_date": day,
                "billing_period": day.replace(day=1),
                "billed_cost_usd": billed,
                "estimated_cost_usd": estimated,
            }
            for day, billed, estimated in (
                (date(2026, 10, 4), Decimal("60"), Decimal("50")),
                (date(2026, 10, 9), Decimal("40"), Decimal("40")),
                (date(2026, 10, 20), Decimal("0"), Decimal("30")),
                (date(2026, 11, 4), Decimal("100"), Decimal("99")),
            )
        ],
    }
    for table, table_rows in rows.items():
        if table not in without:
            _insert(connection, table, table_rows)
    connection.close()
    return path


@pytest.fixture
def marts(tmp_path: Path) -> Path:
    return build_marts(tmp_path / "marts.duckdb")


def test_the_marts_give_one_alert_of_each_kind_and_none_within_limits(marts: Path) -> None:
    source = open_duckdb(marts, "bedrock_marts")
    alerts = find_alerts(source)
    source.close()
    assert {a.key for a in alerts} == EXPECTED_KEYS
    by_key = {a.key: a.text for a in alerts}
    assert "$120.50" in by_key["over_budget|2026-10|acme"]
    assert "$80.00" in by_key["projected_over|2026-11|globex"]
    assert "7 calls" in by_key["unpriced_usage|2026-11-02|vendor.new-model-v1:0|us-west-2"]
    assert "$100.00" in by_key["bill_difference|2026-10|10%"]
    assert "10.0x" in by_key["cost_anomaly|2026-11-03|acme"]


def test_a_stricter_bill_share_alerts_on_the_closer_month(marts: Path) -> None:
    source = open_duckdb(marts, "bedrock_marts")
    keys = {a.key for a in find_alerts(source, Decimal("0.005"))}
    source.close()
    assert keys == EXPECTED_KEYS | {"bill_difference|2026-11|1%"}


def test_a_missing_mart_is_named_and_the_other_alerts_still_found(tmp_path: Path) -> None:
    path = build_marts(tmp_path / "partial.duckdb", without=("fct_bedrock_bill_reconciliation",))
    notes: list[str] = []
    source = open_duckdb(path, "bedrock_marts")
    keys = {a.key for a in find_alerts(source, note=notes.append)}
    source.close()
    assert keys == EXPECTED_KEYS - {"bill_difference|2026-10|10%"}
    assert len(notes) == 1
    assert "fct_bedrock_bill_reconciliation" in notes[0]


def test_slack_text_cannot_mention_or_link() -> None:
    text = slack_text(
        Alert("cost_anomaly", "k", "Tenant <!channel> & <https://x|y> @channel cost $1")
    )
    assert "@channel" not in text
    assert "@\u2060channel" in text
    assert "<" not in text
    assert ">" not in text
    assert "&lt;!channel&gt; &amp; &lt;https://x|y&gt;" in text


@pytest.mark.parametrize(
    "url", ["http://hooks.example.com/x", "ftp://localhost/x", "file:///etc/passwd", "hooks"]
)
def test_a_webhook_must_be_https_unless_local(url: str) -> None:
    with pytest.raises(Exception, match="https://") as refused:
        check_webhook_url(url)
    assert url.split("://")[-1] not in str(refused.value), "the URL (its token) is not echoed"
    assert check_webhook_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook"


# --------------------------------------------------------------------------------- SNS (moto)
@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def _topic_with_queue() -> tuple[str, Any, str]:
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="bedrock-costs")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, sqs, queue_url


def _drain(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    messages = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return messages
        for message in batch:
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_sns_gets_each_alert_once(marts: Path, tmp_path: Path, aws: None) -> None:
    topic, sqs, queue_url = _topic_with_queue()
    state = tmp_path / "state.json"
    args = ["alerts", "--sns-topic-arn", topic, "--state", str(state), "--database", str(marts)]

    assert main(args) == 0
    first = _drain(sqs, queue_url)
    assert len(first) == len(EXPECTED_KEYS)
    kinds = sorted(m["MessageAttributes"]["kind"]["Value"] for m in first)
    assert kinds == sorted(key.split("|")[0] for key in EXPECTED_KEYS)
    assert {m["Subject"] for m in first} >= {"Bedrock cost: budget exceeded"}
    assert any("Tenant acme has spent $120.50" in m["Message"] for m in first)
    saved = json.loads(state.read_text())
    assert set(saved["sent"][f"sns:{topic}"]) == EXPECTED_KEYS

    assert main(args) == 0
    assert _drain(sqs, queue_url) == []


def test_a_dry_run_sends_nothing_and_keeps_no_state(
    marts: Path, tmp_path: Path, aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    topic, sqs, queue_url = _topic_with_queue()
    state = tmp_path / "state.json"
    args = ["alerts", "--sns-topic-arn", topic, "--state", str(state), "--database", str(marts)]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.count(f"-> SNS {topic}") == len(EXPECTED_KEYS)
    assert _drain(sqs, queue_url) == []
    assert not state.exists()


# ------------------------------------------------------------------------- webhook (HTTP)
class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]
    fail_matching: str | None

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        failing = self.fail_matching is not None and self.fail_matching in body["text"]
        if not failing:
            self.received.append(body)
        self.send_response(500 if failing else 200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[type[_Hook]]:
    handler = type("Hook", (_Hook,), {"received": [], "fail_matching": None})
    server = HTTPServer(("127.0.0.1", 0), handler)
    handler.url = f"http://127.0.0.1:{server.server_port}/hook"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler
    server.shutdown()
    server.server_close()


def test_a_webhook_gets_each_alert_once_and_a_failed_one_on_the_next_run(
    marts: Path, tmp_path: Path, hook: Any
) -> None:
    state = tmp_path / "state.json"
    args = ["alerts", "--webhook-url", hook.url, "--state", str(state), "--database", str(marts)]

    hook.fail_matching = "budget exceeded"
    assert main(args) == 1
    assert len(hook.received) == len(EXPECTED_KEYS) - 1
    assert all(set(body) == {"text"} for body in hook.received)
    saved = json.loads(state.read_text())
    assert hook.url not in state.read_text()
    (sent,) = saved["sent"].values()
    assert set(sent) == EXPECTED_KEYS - {"over_budget|2026-10|acme"}

    hook.fail_matching = None
    hook.received.clear()
    assert main(args) == 0
    assert [b["text"].splitlines()[0] for b in hook.received] == ["*Bedrock cost: budget exceeded*"]

    hook.received.clear()
    assert main(args) == 0
    assert hook.received == []


def test_no_destination_is_a_usage_error(marts: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["alerts", "--database", str(marts)])
    assert exit_info.value.code == 2


def test_an_unreadable_state_exits_1_and_says_how_to_start_over(
    marts: Path, tmp_path: Path, hook: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.json"
    state.write_text("{not json")
    args = ["alerts", "--webhook-url", hook.url, "--state", str(state), "--database", str(marts)]
    assert main(args) == 1
    assert "move it away to start over" in capsys.readouterr().err
    assert hook.received == []


def test_the_database_comes_from_the_dbt_profile_variable(
    marts: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BEDROCK_COSTS_DUCKDB_PATH", str(marts))
    assert main(["alerts", "--dry-run"]) == 0
    assert capsys.readouterr().out.count("\n") == len(EXPECTED_KEYS)
    monkeypatch.setenv("BEDROCK_COSTS_DUCKDB_PATH", str(marts.with_name("absent.duckdb")))
    assert main(["alerts", "--dry-run"]) == 1
    assert "absent.duckdb" in capsys.readouterr().err
