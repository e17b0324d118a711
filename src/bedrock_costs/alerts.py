"""``bedrock-costs alerts``: tell people what is new in the marts, once.

Run after each ``dbt build``. It reads the marts and finds five kinds of alert:

* ``over_budget``: a tenant's month has cost more than its budget (fct_tenant_monthly_statement);
* ``projected_over``: the month is not over, and its projection is above the budget;
* ``cost_anomaly``: a tenant-day far above the tenant's baseline (fct_tenant_daily_cost_anomalies);
* ``unpriced_usage``: calls on a day that the price catalog cannot price (dq_unpriced_usage);
* ``bill_difference``: a month whose AWS bill and estimate differ by more than a share
  (fct_bedrock_bill_reconciliation; the dbt test's var ``max_bill_difference_share``).

Each alert has a key (kind, month or day, tenant or model). A state file remembers, per
destination, the keys sent: a rerun sends nothing twice, and a send that failed is not recorded,
so the next run tries it again. Destinations: an Amazon SNS topic and a webhook that takes
Slack-compatible JSON (``{"text": ...}``; Slack, Mattermost, Teams workflows, Chime). The state
stores a digest of a webhook's URL, never the URL (it usually holds a token).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from bedrock_costs.exit_codes import EXIT_FAILURE, EXIT_OK
from bedrock_costs.report.source import (
    MartSource,
    MartSourceError,
    add_mart_source_arguments,
    open_mart_source,
    quote_identifier,
    table_columns,
)
from bedrock_costs.untrusted import printable

STATEMENTS: Final = "fct_tenant_monthly_statement"
ANOMALIES: Final = "fct_tenant_daily_cost_anomalies"
UNPRICED: Final = "dq_unpriced_usage"
RECONCILIATION: Final = "fct_bedrock_bill_reconciliation"
#: Outside target/, which `dbt clean` empties: losing the state would resend every past alert.
DEFAULT_STATE: Final = Path("data/alerts-state.json")
DEFAULT_MAX_BILL_DIFFERENCE_SHARE: Final = Decimal("0.02")
STATE_VERSION: Final = 1
SUBJECTS: Final = {
    "over_budget": "Bedrock cost: budget exceeded",
    "projected_over": "Bedrock cost: projected above budget",
    "cost_anomaly": "Bedrock cost: cost anomaly",
    "unpriced_usage": "Bedrock cost: usage without a price",
    "bill_difference": "Bedrock cost: bill differs from the estimate",
}
_LOCAL_HOSTS: Final = ("localhost", "127.0.0.1", "::1")


class AlertError(Exception):
    """Bad settings or an unreadable state file (the message says what to do)."""


@dataclass(frozen=True)
class Alert:
    kind: str
    key: str
    text: str

    @property
    def subject(self) -> str:
        return SUBJECTS[self.kind]


def _usd(amount: Any) -> str:
    return "-" if amount is None else f"${Decimal(str(amount)):,.2f}"


def _name(text: Any) -> str:
    return "(none)" if text is None else printable(str(text))


# ------------------------------------------------------------------------- finding the alerts
def _budget_alerts(source: MartSource, s: str) -> list[Alert]:
    rows = source.fetch(
        "select cast(statement_month as varchar), tenant_id, budget_status, total_cost_usd,"
        " budget_usd, projected_month_end_cost_usd, cast(as_of_date as varchar)"
        f" from {s}.{STATEMENTS} where budget_status in ('over_budget', 'projected_over')"
        " order by 1, 2"
    )
    alerts = []
    for month, tenant, status, cost, budget, projected, as_of in rows:
        month_text = str(month)[:7]
        if status == "over_budget":
            text = (
                f"Tenant {_name(tenant)} has spent {_usd(cost)} in {month_text}, above its "
                f"budget of {_usd(budget)} (as of {as_of})."
            )
        else:
            text = (
                f"Tenant {_name(tenant)} is projected to spend {_usd(projected)} in "
                f"{month_text}, above its budget of {_usd(budget)} ({_usd(cost)} so far, as of "
                f"{as_of})."
            )
        alerts.append(Alert(str(status), f"{status}|{month_text}|{tenant}", text))
    return alerts


def _anomaly_alerts(source: MartSource, s: str) -> list[Alert]:
    rows = source.fetch(
        "select cast(usage_date as varchar), tenant_id, total_cost_usd, baseline_median_cost_usd,"
        f" cost_ratio_to_baseline, anomaly_kind from {s}.{ANOMALIES} order by 1, 2"
    )
    return [
        Alert(
            "cost_anomaly",
            f"cost_anomaly|{day}|{tenant}",
            f"Tenant {_name(tenant)} cost {_usd(cost)} on {day}"
            + (
                f", {float(ratio):.1f}x its baseline of {_usd(baseline)}"
                if ratio is not None
                else f" against a baseline of {_usd(baseline)}"
            )
            + f" ({_name(kind)}).",
        )
        for day, tenant, cost, baseline, ratio, kind in rows
    ]


def _unpriced_alerts(source: MartSource, s: str) -> list[Alert]:
    rows = source.fetch(
        "select cast(usage_date as varchar), logged_model_id, region, sum(invocation_count)"
        f" from {s}.{UNPRICED} group by 1, 2, 3 order by 1, 2, 3"
    )
    return [
        Alert(
            "unpriced_usage",
            f"unpriced_usage|{day}|{model}|{region}",
            f"{int(calls or 0):,} calls to {_name(model)} in {_name(region)} on {day} have no "
            "price: add the price to seeds/bedrock_model_prices.csv (bedrock-costs pricing "
            "sync) and rebuild; until then their cost is left out of the totals.",
        )
        for day, model, region, calls in rows
    ]


def _bill_alerts(source: MartSource, s: str, max_share: Decimal) -> list[Alert]:
    """Per billing period, the bill against the estimate over the days the bill has reached (a
    bill arrives a day or two after the usage: the days after its newest billed day are not
    compared yet). The key holds the difference in whole percent, so a difference that grows
    alerts again."""
    rows = source.fetch(
        "select cast(bill.billing_period as varchar), sum(bill.billed_cost_usd),"
        f" sum(bill.estimated_cost_usd) from {s}.{RECONCILIATION} as bill"
        " inner join (select billing_period, max(usage_date) as last_billed_day"
        f" from {s}.{RECONCILIATION} where billed_cost_usd > 0 group by billing_period) as reached"
        " on bill.billing_period = reached.billing_period"
        " where bill.usage_date <= reached.last_billed_day"
        " group by 1 order by 1"
    )
    alerts = []
    for month, billed, estimated in rows:
        billed_usd = Decimal(str(billed or 0))
        estimated_usd = Decimal(str(estimated or 0))
        if billed_usd <= 0:
            continue
        share = abs(billed_usd - estimated_usd) / billed_usd
        if share > max_share:
            month_text = str(month)[:7]
            alerts.append(
                Alert(
                    "bill_difference",
                    f"bill_difference|{month_text}|{int(share * 100)}%",
                    f"The AWS bill for {month_text} has {_usd(billed_usd)} of Bedrock usage; "
                    f"the logs estimate {_usd(estimated_usd)} ({share:.1%} apart, more than "
                    f"{max_share:.1%}). fct_bedrock_bill_reconciliation shows which buckets "
                    "differ.",
                )
            )
    return alerts


def find_alerts(
    source: MartSource,
    max_bill_difference_share: Decimal = DEFAULT_MAX_BILL_DIFFERENCE_SHARE,
    note: Callable[[str], None] = lambda message: print(message, file=sys.stderr),
) -> list[Alert]:
    """Every alert the marts hold now (sent or not). A mart the build lacks is skipped with a
    note naming it, never silently."""
    s = quote_identifier(source.schema)
    present = table_columns(source, (STATEMENTS, ANOMALIES, UNPRICED, RECONCILIATION))
    finders: list[tuple[str, Callable[[], list[Alert]]]] = [
        (STATEMENTS, lambda: _budget_alerts(source, s)),
        (ANOMALIES, lambda: _anomaly_alerts(source, s)),
        (UNPRICED, lambda: _unpriced_alerts(source, s)),
        (RECONCILIATION, lambda: _bill_alerts(source, s, max_bill_difference_share)),
    ]
    alerts: list[Alert] = []
    for table, find in finders:
        if table not in present:
            note(f"alerts: {table} is not in {source.description}: its alerts are not checked")
            continue
        alerts.extend(find())
    return alerts


# ---------------------------------------------------------------------------- destinations
@dataclass(frozen=True)
class Destination:
    """Where alerts go: its state key (no secret in it), a printable name and how to send."""

    key: str
    name: str
    send: Callable[[Alert], None]


def sns_destination(topic_arn: str, client: Any) -> Destination:
    def send(alert: Alert) -> None:
        client.publish(
            TopicArn=topic_arn,
            Subject=alert.subject,
            Message=alert.text,
            MessageAttributes={"kind": {"DataType": "String", "StringValue": alert.kind}},
        )

    return Destination(f"sns:{topic_arn}", f"SNS {topic_arn}", send)


def slack_text(alert: Alert) -> str:
    """The alert as Slack mrkdwn: &, < and > escaped as Slack asks, so a tenant id can never
    become a link or a mention such as <!channel>; and a word joiner after every @, so that
    Mattermost (which pings on plain @channel, @all, @here) reads none as a mention."""
    escaped = alert.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"*{alert.subject}*\n{escaped.replace('@', '@' + chr(0x2060))}"


def check_webhook_url(url: str) -> str:
    """An https URL (http only to this machine, for tests and local relays)."""
    parts = urllib.parse.urlsplit(url)
    local = parts.hostname in _LOCAL_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        # never echo the URL: a webhook URL carries its token
        got = f"a {printable(parts.scheme)}:// URL" if parts.scheme else "a URL without a scheme"
        raise argparse.ArgumentTypeError(
            f"expected an https:// webhook URL (http:// only to localhost), got {got}"
        )
    return url


def webhook_destination(url: str, timeout: float = 10.0) -> Destination:
    def send(alert: Alert) -> None:
        body = json.dumps({"text": slack_text(alert)}).encode("utf-8")
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if not 200 <= response.status < 300:
                raise OSError(f"the webhook answered HTTP {response.status}")

    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    host = urllib.parse.urlsplit(url).hostname or "?"
    return Destination(f"webhook:{digest}", f"webhook on {host}", send)


# ----------------------------------------------------------------------------------- state
def read_state(path: Path) -> dict[str, set[str]]:
    """Keys sent so far, per destination key ({} when the file does not exist yet)."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {STATE_VERSION}")
        return {str(k): {str(x) for x in v} for k, v in data["sent"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AlertError(
            f"the alert state {path} cannot be read ({exc}). Fix it, or move it away to start "
            "over (every current alert is then sent again)."
        ) from exc


def write_state(path: Path, sent: dict[str, set[str]]) -> None:
    """Write the state whole, then rename it over the old one (a crash leaves one or the other)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"version": STATE_VERSION, "sent": {k: sorted(v) for k, v in sorted(sent.items())}}
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, path)


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    already_sent: int = 0


def deliver(
    alerts: Sequence[Alert], destinations: Sequence[Destination], state_path: Path
) -> Outcome:
    """Send each alert a destination has not had yet; record each success at once."""
    sent = read_state(state_path)
    outcome = Outcome()
    for destination in destinations:
        done = sent.setdefault(destination.key, set())
        for alert in alerts:
            if alert.key in done:
                outcome.already_sent += 1
                continue
            try:
                destination.send(alert)
            except Exception as exc:  # any failure of one send: report it, retry next run
                outcome.failed += 1
                print(
                    f"alerts: could not send {alert.kind} to {destination.name} "
                    f"({printable(str(exc))}); the next run tries again",
                    file=sys.stderr,
                )
                continue
            done.add(alert.key)
            write_state(state_path, sent)
            outcome.sent += 1
    return outcome


# ------------------------------------------------------------------------------ command line
def _share(value: str) -> Decimal:
    try:
        share = Decimal(value)
    except ArithmeticError as exc:
        raise argparse.ArgumentTypeError(f"expected a share such as 0.02, got {value!r}") from exc
    if not Decimal(0) <= share < Decimal(1):
        raise argparse.ArgumentTypeError(f"expected a share from 0 to below 1, got {value!r}")
    return share


def add_alerts_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "alerts",
        help="send new budget, anomaly, unpriced-usage and bill alerts to SNS or a webhook",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Read the marts and send what is new since the last run: a budget exceeded, a\n"
            "month projected above its budget, a cost anomaly, usage without a price, a bill\n"
            "that differs from the estimate by more than --max-bill-difference-share. The\n"
            "--state file remembers what each destination got: a rerun sends nothing twice; a\n"
            "send that failed is tried again next run. Run it after each dbt build."
        ),
        epilog=(
            "Exit codes: 0 every new alert sent (or none new), 1 a send failed or the marts\n"
            "cannot be read, 2 bad arguments.\n\n"
            "Example: bedrock-costs alerts --dry-run\n"
            "Example: bedrock-costs alerts --sns-topic-arn arn:aws:sns:us-east-1:111122223333:"
            "bedrock-costs \\\n"
            "    --webhook-url https://hooks.slack.com/services/... --state /var/lib/bedrock/"
            "alerts.json"
        ),
    )
    parser.add_argument("--sns-topic-arn", default=None, help="an Amazon SNS topic to publish to")
    parser.add_argument(
        "--webhook-url",
        type=check_webhook_url,
        default=os.environ.get("BEDROCK_COSTS_WEBHOOK_URL"),
        help="a webhook taking Slack-compatible JSON (default $BEDROCK_COSTS_WEBHOOK_URL; keep "
        "the URL out of shell history and cron files)",
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=DEFAULT_STATE,
        help=f"file remembering what was sent (default {DEFAULT_STATE})",
    )
    parser.add_argument(
        "--max-bill-difference-share",
        type=_share,
        default=DEFAULT_MAX_BILL_DIFFERENCE_SHARE,
        help="alert when a month's bill and estimate differ by more than this share of the bill "
        "(default 0.02, as the dbt var max_bill_difference_share)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the alerts that would be sent; send nothing"
    )
    add_mart_source_arguments(parser)
    parser.set_defaults(handler=run_alerts, alerts_parser=parser)


def _sns_client(topic_arn: str) -> Any:
    import boto3

    parts = topic_arn.split(":")
    region = parts[3] if len(parts) > 3 and parts[0] == "arn" else None
    return boto3.client("sns", region_name=region or None)


def run_alerts(args: argparse.Namespace) -> int:
    parser: argparse.ArgumentParser = args.alerts_parser
    if not (args.sns_topic_arn or args.webhook_url or args.dry_run):
        parser.error("say where alerts go: --sns-topic-arn, --webhook-url, or --dry-run to print")
    try:
        source = open_mart_source(args, parser)
        try:
            alerts = find_alerts(source, args.max_bill_difference_share)
        finally:
            source.close()
        destinations = []
        if args.sns_topic_arn:
            client = _sns_client(args.sns_topic_arn)
            destinations.append(sns_destination(args.sns_topic_arn, client))
        if args.webhook_url:
            destinations.append(webhook_destination(args.webhook_url))
        if args.dry_run:
            sent = read_state(args.state)
            for alert in alerts:
                pending = [d.name for d in destinations if alert.key not in sent.get(d.key, set())]
                where = f" -> {', '.join(pending)}" if pending else ""
                print(f"[{alert.kind}] {alert.text}{where}")
            print(f"alerts: {len(alerts)} found; dry run, nothing sent", file=sys.stderr)
            return EXIT_OK
        outcome = deliver(alerts, destinations, args.state)
    except (MartSourceError, AlertError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(
        f"alerts: {len(alerts)} found, {outcome.sent} sent, {outcome.already_sent} sent before, "
        f"{outcome.failed} failed",
        file=sys.stderr,
    )
    return EXIT_FAILURE if outcome.failed else EXIT_OK
