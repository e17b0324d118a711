"""Propose updates to the effective-dated price seed from the AWS Price List API.

``bedrock-costs pricing sync`` reads ``seeds/bedrock_model_prices.csv``, fetches the current
Amazon Bedrock prices from the Price List API (``pricing:GetProducts``), maps every price to a seed
key and shows what would change. It never overwrites a price: when an open row's price differs
from the Price List, that row is closed (``effective_to = today``) and a new row opens on the same
day, so invocations before today keep the price they had. New keys are appended, unchanged keys
are left alone, and open rows the Price List no longer has are only reported.

The parts, in bedrock_costs.pricing: rows (the seed's columns and vocabulary), model_names (Price
List names -> model ids), price_list (fetching), products (products -> rows, and the mapping
decisions), seed (reading and writing the seed), proposal (what would change) and diff (the
proposal as text). This module runs them: run_sync and the command line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from bedrock_costs.arg_types import iso_date, region_code
from bedrock_costs.exit_codes import EXIT_FAILURE, EXIT_OK, EXIT_STALE, EXIT_USAGE
from bedrock_costs.price_catalog import (
    DEFAULT_MODEL_NAMES,
    DEFAULT_REGIONS,
    DEFAULT_RULES,
    CatalogFileError,
    load_model_names,
    load_regions,
    load_rules,
)
from bedrock_costs.price_offers import OfferFileError, read_offers
from bedrock_costs.pricing.diff import render_diff, skipped_summary
from bedrock_costs.pricing.price_list import fetch_price_list, make_pricing_client
from bedrock_costs.pricing.products import product_regions, products_to_price_rows
from bedrock_costs.pricing.proposal import propose_update
from bedrock_costs.pricing.rows import DEFAULT_SEED, DEFAULT_SERVICE_CODES, PRICING_API_REGIONS
from bedrock_costs.pricing.seed import SeedFormatError, read_seed, write_seed


def run_sync(
    seed_path: Path,
    out_path: Path | None,
    check: bool,
    client: Any,
    today: date,
    *,
    region_codes: Sequence[str] | None = None,
    service_codes: Sequence[str] = DEFAULT_SERVICE_CODES,
    verbose: bool = False,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    database: Path | None = None,
    schema: str = "bedrock_marts",
    offers_dir: Path | None = None,
    rules_path: Path | None = None,
    regions_path: Path | None = None,
    model_names_path: Path | None = None,
) -> int:
    """Fetch, compare, print the diff; with ``out_path`` write the proposal there.

    Products come from the Price List API through ``client``, or with ``offers_dir`` from bulk
    offer files on disk (see :mod:`bedrock_costs.price_offers`). With ``rules_path`` and
    ``regions_path`` the comparison is with the catalog dbt builds (region groups, derived
    prices); ``model_names_path`` is the name -> model id seed (default
    seeds/bedrock_price_list_models.csv).

    With ``database`` (a DuckDB build), the usage its logs show without a price is listed too,
    and ``check`` fails on it as on a stale seed.

    Exit codes: 0 up to date or proposal printed/written; 1 ``check`` found the seed stale, or
    the Price List could not be read / gave no usable price; 2 usage errors (bad seed, bad flags).
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    if check and out_path is not None:
        print("error: --check and --out cannot be used together", file=err)
        return EXIT_USAGE
    try:
        seed = read_seed(seed_path)
    except FileNotFoundError:
        print(f"error: seed file not found: {seed_path}", file=err)
        return EXIT_USAGE
    except (SeedFormatError, UnicodeDecodeError) as error:
        print(f"error: {error}", file=err)
        return EXIT_USAGE
    try:
        aliases = load_model_names(model_names_path or DEFAULT_MODEL_NAMES)
        rules = load_rules(rules_path) if rules_path is not None else []
        regions = load_regions(regions_path) if regions_path is not None else None
    except (OSError, CatalogFileError, ValueError) as error:
        print(f"error: {error}", file=err)
        return EXIT_USAGE

    from botocore.exceptions import BotoCoreError, ClientError

    def progress(message: str) -> None:
        print(message, file=err, flush=True)

    try:
        if offers_dir is not None:
            products = list(read_offers(offers_dir, service_codes, region_codes, progress=progress))
        else:
            products = list(
                fetch_price_list(client, service_codes, region_codes, progress=progress)
            )
    except OfferFileError as error:
        print(f"error: {error}", file=err)
        return EXIT_FAILURE
    except (BotoCoreError, ClientError) as error:
        print(f"error: could not read the AWS Price List: {error}", file=err)
        return EXIT_FAILURE
    source = "AWS Price List offer files" if offers_dir is not None else "AWS Price List API"
    if offers_dir is not None and not region_codes:
        # only the Regions the files cover can say a row is missing from the Price List
        region_codes = sorted(product_regions(products))
    rows, skipped = products_to_price_rows(
        products, effective_from=today, retrieved=today, aliases=aliases, source=source
    )
    if not rows:
        print(
            f"error: none of the {len(products)} fetched products gave a usable price; "
            "refusing to compare (check --region-code and --service-code)",
            file=err,
        )
        for line in skipped_summary(skipped, list_all=False, limit=20):
            print(line, file=err)
        return EXIT_FAILURE

    proposal = propose_update(
        seed.rows,
        rows,
        today=today,
        skipped=skipped,
        region_codes=region_codes,
        rules=rules,
        regions=regions,
    )
    print(render_diff(proposal, verbose=verbose), file=out)
    unpriced = []
    if database is not None:
        from bedrock_costs.unpriced import UnpricedReadError, read_unpriced_usage

        try:
            unpriced = read_unpriced_usage(database, schema)
        except UnpricedReadError as error:
            print(f"error: {error}", file=err)
            return EXIT_FAILURE
        for usage in unpriced:
            print(f"? seen in the logs without a price: {usage.describe()}", file=out)
    if check:
        if proposal.is_stale:
            print(f"{seed_path} is stale: run without --check and with --out to update", file=err)
            return EXIT_STALE
        if unpriced:
            print(
                f"{len(unpriced)} model/Region/scope/tier combinations in {database} have no "
                f'price: add rows to {seed_path} (docs/pricing.md, "Changing a price")',
                file=err,
            )
            return EXIT_STALE
        return EXIT_OK
    if out_path is not None:
        write_seed(out_path, proposal.rows, seed)
        print(f"wrote {len(proposal.rows)} rows to {out_path}", file=err)
    elif proposal.is_stale:
        print("dry run: nothing written (pass --out PATH to write the proposal)", file=err)
    return EXIT_OK


def add_pricing_parser(subparsers: Any) -> None:
    """Register ``pricing`` (with the sub-command ``sync``) on the CLI's sub-parsers."""
    pricing = subparsers.add_parser(
        "pricing",
        help="keep the price seed in step with the AWS Price List API",
        description="Price seed maintenance. `pricing sync` compares "
        "seeds/bedrock_model_prices.csv with the AWS Price List API.",
        epilog="Example: bedrock-costs pricing sync --check",
    )
    commands = pricing.add_subparsers(dest="pricing_command", metavar="SUBCOMMAND", required=True)
    sync = commands.add_parser(
        "sync",
        help="show (and optionally write) seed changes from the AWS Price List API",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Fetch Amazon Bedrock prices from the AWS Price List API (services AmazonBedrock and\n"
            "AmazonBedrockFoundationModels, via the `pricing` API in us-east-1), map them to seed\n"
            "keys (model_id, region, routing_scope, service_tier, context_tier) and print what\n"
            "would change. Prices are never overwritten: a changed open row is closed today and\n"
            "a new row opens today; new keys are appended; rows the Price List no longer has are\n"
            "only reported. Without --out nothing is written.\n"
            "Needs AWS credentials allowed pricing:GetProducts."
        ),
        epilog=(
            "Exit codes: 0 up to date (or proposal printed / written), 1 --check found the seed\n"
            "stale or the Price List could not be read, 2 bad arguments or an invalid seed.\n"
            "\n"
            "Example: bedrock-costs pricing sync --region-code us-east-1 us-west-2 "
            "--out seeds/bedrock_model_prices.csv"
        ),
    )
    sync.add_argument(
        "--seed",
        type=Path,
        default=DEFAULT_SEED,
        help=f"price seed to compare with (default {DEFAULT_SEED})",
    )
    mode = sync.add_mutually_exclusive_group()
    mode.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write the proposed seed here (may be the --seed path; rows are only appended or "
        "closed)",
    )
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the seed differs from the Price List (for CI)",
    )
    sync.add_argument(
        "--region-code",
        dest="region_codes",
        type=region_code,
        nargs="+",
        action="extend",
        metavar="REGION",
        default=None,
        help="only these source Regions (repeatable; default: every Region in the Price List)",
    )
    sync.add_argument(
        "--service-code",
        dest="service_codes",
        nargs="+",
        action="extend",
        metavar="CODE",
        default=None,
        help=f"Price List service codes (default: {' '.join(DEFAULT_SERVICE_CODES)})",
    )
    sync.add_argument(
        "--effective-date",
        type=iso_date,
        default=None,
        help="date that closes changed rows and opens new ones, YYYY-MM-DD (default: today UTC)",
    )
    sync.add_argument(
        "--pricing-region",
        choices=PRICING_API_REGIONS,
        default="us-east-1",
        help="Region of the Price List API endpoint (default us-east-1)",
    )
    sync.add_argument(
        "--verbose",
        action="store_true",
        help="list every Price List product that gave no seed price (not only a summary) and "
        "every matching row whose seed-only prices are kept",
    )
    sync.add_argument(
        "--database",
        type=Path,
        default=None,
        help="also list the models, Regions and tiers a DuckDB build's logs used without a "
        "price (its dq_unpriced_usage); --check then fails on them too",
    )
    sync.add_argument(
        "--schema",
        default="bedrock_marts",
        help="schema of the marts in --database (default bedrock_marts)",
    )
    sync.add_argument(
        "--offers-dir",
        type=Path,
        default=None,
        help="read the Price List bulk offer files under this folder instead of the API (no "
        "credentials, works offline): <DIR>/offers/v1.0/aws/<ServiceCode>/current/<region>/"
        "index.json, as downloaded from https://pricing.us-east-1.amazonaws.com",
    )
    sync.add_argument(
        "--rules",
        type=Path,
        default=DEFAULT_RULES,
        help=f"price rules seed; prices it derives count as present (default {DEFAULT_RULES})",
    )
    sync.add_argument(
        "--regions",
        type=Path,
        default=DEFAULT_REGIONS,
        help=f"Regions seed with partitions and region groups (default {DEFAULT_REGIONS})",
    )
    sync.add_argument(
        "--model-names",
        type=Path,
        default=DEFAULT_MODEL_NAMES,
        help=f"Price List model names -> model ids (default {DEFAULT_MODEL_NAMES})",
    )
    sync.set_defaults(handler=_cmd_pricing_sync)


def _cmd_pricing_sync(args: argparse.Namespace) -> int:
    today = args.effective_date or datetime.now(UTC).date()
    from botocore.exceptions import BotoCoreError

    client = None
    if args.offers_dir is None:
        try:
            client = make_pricing_client(args.pricing_region)
        except BotoCoreError as error:
            print(f"error: cannot create the AWS pricing client: {error}", file=sys.stderr)
            return EXIT_FAILURE
    return run_sync(
        args.seed,
        args.out,
        args.check,
        client,
        today,
        region_codes=args.region_codes,
        service_codes=tuple(args.service_codes or DEFAULT_SERVICE_CODES),
        verbose=args.verbose,
        database=args.database,
        schema=args.schema,
        offers_dir=args.offers_dir,
        rules_path=args.rules,
        regions_path=args.regions,
        model_names_path=args.model_names,
    )
