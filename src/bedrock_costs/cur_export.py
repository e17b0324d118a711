"""Write a CUR 2.0 export as AWS Data Exports delivers it: data files plus the period's manifest.

Layout (what ``bill fetch`` downloads and the dbt project reads with var ``bedrock_cur_dir``)::

    <out>/<export>/data/BILLING_PERIOD=YYYY-MM/[<execution>/]<export>-0000N.<csv.gz or parquet>
    <out>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json

The manifest lists the files as S3 URIs (``dataFiles``) with the columns (``columns``), as Data
Exports writes it (docs.aws.amazon.com/cur/latest/userguide/dataexports-manifest.html). Used by
``sample-logs --cur-out`` and by the tests' hand-built bills.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final, Literal

# The CUR 2.0 columns written, in order, with the type the manifest and Parquet give them.
COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("bill_billing_period_start_date", "timestamp"),
    ("bill_payer_account_id", "string"),
    ("bill_billing_entity", "string"),
    ("line_item_usage_account_id", "string"),
    ("line_item_usage_start_date", "timestamp"),
    ("line_item_usage_end_date", "timestamp"),
    ("line_item_product_code", "string"),
    ("line_item_usage_type", "string"),
    ("line_item_operation", "string"),
    ("line_item_line_item_type", "string"),
    ("line_item_usage_amount", "double"),
    ("pricing_unit", "string"),
    ("line_item_unblended_cost", "double"),
    ("line_item_net_unblended_cost", "double"),
    ("line_item_resource_id", "string"),
    ("line_item_iam_principal", "string"),
    ("product_product_name", "string"),
    ("product_region_code", "string"),
    # the product's attributes: a map in Parquet, JSON text in CSV ({"product_name": "..."})
    ("product", "map<string,string>"),
)

FileFormat = Literal["csv", "parquet"]


def write_export(
    out_dir: Path,
    export_name: str,
    period: str,
    lines: Sequence[Mapping[str, str]],
    *,
    file_format: FileFormat = "csv",
    parts: int = 1,
    bucket: str = "billing-exports",
    prefix: str = "cur",
    execution_folder: str | None = None,
    columns: Sequence[str] | None = None,
) -> list[Path]:
    """Write ``lines`` (CUR column -> text value) as one delivery of ``period`` in ``parts``
    files and (last) its manifest; returns the data files. ``columns`` limits the columns
    written (an export without some optional column)."""
    names = [name for name, _ in COLUMNS if columns is None or name in columns]
    data_dir = out_dir / export_name / "data" / f"BILLING_PERIOD={period}"
    if execution_folder:
        data_dir = data_dir / execution_folder
    data_dir.mkdir(parents=True, exist_ok=True)
    extension = "csv.gz" if file_format == "csv" else "snappy.parquet"
    parts = max(1, min(parts, len(lines) or 1))
    files: list[Path] = []
    for part in range(parts):
        chunk = [line for index, line in enumerate(lines) if index % parts == part]
        path = data_dir / f"{export_name}-{part + 1:05d}.{extension}"
        if file_format == "csv":
            _write_csv(path, names, chunk)
        else:
            _write_parquet(path, names, chunk)
        files.append(path)
    key_root = f"{prefix.strip('/')}/{export_name}" if prefix.strip("/") else export_name
    manifest = {
        "executionId": f"{export_name}-{period}-{execution_folder or 'overwrite'}",
        "exportArn": f"arn:aws:bedrock-costs:sample:export/{export_name}",
        "billingPeriod": period,
        "columns": [{"name": name, "type": kind} for name, kind in COLUMNS if name in names],
        "dataFiles": [
            f"s3://{bucket}/{key_root}/{path.relative_to(out_dir / export_name).as_posix()}"
            for path in files
        ],
    }
    manifest_dir = out_dir / export_name / "metadata" / f"BILLING_PERIOD={period}"
    manifest_dir.mkdir(parents=True, exist_ok=True)
    (manifest_dir / f"{export_name}-Manifest.json").write_text(json.dumps(manifest, indent=2))
    return files


def _write_csv(path: Path, names: Sequence[str], lines: Sequence[Mapping[str, str]]) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(names)
    for line in lines:
        writer.writerow([line.get(name, "") for name in names])
    path.write_bytes(gzip.compress(text.getvalue().encode(), mtime=0))


def _write_parquet(path: Path, names: Sequence[str], lines: Sequence[Mapping[str, str]]) -> None:
    """Parquet as Data Exports types it (timestamps, doubles, maps), written by DuckDB."""
    import duckdb

    kinds = dict(COLUMNS)
    casts = {"timestamp": "timestamp", "double": "double", "string": "varchar"}
    con = duckdb.connect()
    try:
        con.execute("create table lines (" + ", ".join(f'"{name}" varchar' for name in names) + ")")
        if lines:
            con.executemany(
                "insert into lines values (" + ", ".join("?" for _ in names) + ")",
                [[line.get(name) or None for name in names] for line in lines],
            )
        select = ", ".join(
            f"cast(replace(replace(\"{name}\", 'T', ' '), 'Z', '') as timestamp) as \"{name}\""
            if kinds[name] == "timestamp"
            else f'cast(cast("{name}" as json) as map(varchar, varchar)) as "{name}"'
            if kinds[name].startswith("map")
            else f'cast("{name}" as {casts[kinds[name]]}) as "{name}"'
            for name in names
        )
        target = str(path).replace("'", "''")
        con.execute(f"copy (select {select} from lines) to '{target}' (format parquet)")
    finally:
        con.close()
