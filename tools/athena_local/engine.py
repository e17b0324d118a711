"""The Trino engine behind the local Athena: download once, verify, configure, start, wait.

Trino 476 is the newest release Maven Central still publishes as a server package (from 477 on
the packages are on GitHub Releases only, out of reach here). It needs JDK 24 or later; the
machines have Temurin 25, which Trino calls "not tested" but which runs it (the whole Athena test
path executes on it). The slim `trino-server-core` tarball plus the Hive and Iceberg plugin zips
are fetched with Maven, checked against the SHA-256 sums below and unpacked into a cache outside
the repository (`$BEDROCK_COSTS_CACHE`, default `~/.cache/bedrock-costs`), then reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

TRINO_VERSION = "476"
# (Maven coordinates, file name, SHA-256 of the file as first downloaded and checked here).
ARTIFACTS = (
    (
        f"io.trino:trino-server-core:{TRINO_VERSION}:tar.gz",
        f"trino-server-core-{TRINO_VERSION}.tar.gz",
        "0f388f9967c177ae70a47c099082fc95387f0c3cb96d8000d1d41fc3a5223158",
    ),
    (
        f"io.trino:trino-hive:{TRINO_VERSION}:zip",
        f"trino-hive-{TRINO_VERSION}.zip",
        "611bacdb07d9f3cf7b9d47f97ecc76fa2e7ff8bfe8a9728c3d06adc1bfb8662e",
    ),
    (
        f"io.trino:trino-iceberg:{TRINO_VERSION}:zip",
        f"trino-iceberg-{TRINO_VERSION}.zip",
        "99edba5b491ed94d599aeb61e0794272d3569d8b563f3bb8569e8a49daa87b6c",
    ),
)
# Maven 3.8.7's default dependency plugin cannot copy these artifacts: name a recent one.
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.11.0"
MIN_JAVA = 24
# Plugins of the core tarball that the local Athena never loads (start-up is faster without).
UNUSED_PLUGINS = ("functions-python", "geospatial", "password-authenticators")


class EngineError(RuntimeError):
    """A prerequisite is missing or the engine did not start; the message says which and why."""


def cache_dir() -> Path:
    return Path(os.environ.get("BEDROCK_COSTS_CACHE") or Path.home() / ".cache" / "bedrock-costs")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(coordinates: str, directory: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise EngineError(
            "the local Athena needs Maven (`mvn`) to fetch Trino from Maven Central; "
            "install it (Debian: apt-get install maven) and retry"
        )
    command = [mvn, "-B", "-q", f"{DEPENDENCY_PLUGIN}:copy", f"-Dartifact={coordinates}"]
    command.append(f"-DoutputDirectory={directory}")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise EngineError(
            f"could not download {coordinates} from Maven Central (is it reachable?):\n"
            + (done.stdout + done.stderr)[-2000:]
        )


def ensure_trino(progress: bool = True) -> Path:
    """The unpacked Trino server with the Hive and Iceberg plugins, downloaded on first use."""
    root = cache_dir() / "trino"
    home = root / f"trino-server-{TRINO_VERSION}"
    if (home / ".complete").exists():
        return home
    root.mkdir(parents=True, exist_ok=True)
    for coordinates, name, expected in ARTIFACTS:
        path = root / name
        if not path.exists() or sha256_of(path) != expected:
            if progress:
                print(f"athena-local: downloading {coordinates} from Maven Central", flush=True)
            path.unlink(missing_ok=True)
            _download(coordinates, root)
        actual = sha256_of(path)
        if actual != expected:
            path.unlink()
            raise EngineError(f"{name}: SHA-256 {actual} is not the pinned {expected}")
    if progress:
        print(f"athena-local: unpacking Trino {TRINO_VERSION} into {home}", flush=True)
    shutil.rmtree(home, ignore_errors=True)
    scratch = root / "unpacking"
    shutil.rmtree(scratch, ignore_errors=True)
    with tarfile.open(root / ARTIFACTS[0][1]) as tar:
        tar.extractall(scratch, filter="tar")
    (unpacked,) = scratch.iterdir()
    for _, name, _ in ARTIFACTS[1:]:
        with zipfile.ZipFile(root / name) as archive:
            archive.extractall(scratch / "plugins")
        plugin = name.removesuffix(f"-{TRINO_VERSION}.zip").removeprefix("trino-")
        (scratch / "plugins" / name.removesuffix(".zip")).rename(unpacked / "plugin" / plugin)
    for plugin in UNUSED_PLUGINS:
        shutil.rmtree(unpacked / "plugin" / plugin, ignore_errors=True)
    for launcher in (unpacked / "bin").rglob("launcher*"):
        launcher.chmod(0o755)
    unpacked.rename(home)
    shutil.rmtree(scratch, ignore_errors=True)
    (home / ".complete").write_text(TRINO_VERSION + "\n")
    return home


def _java_major(java: Path) -> int | None:
    try:
        done = subprocess.run([str(java), "-version"], capture_output=True, text=True, check=False)
    except OSError:
        return None
    for token in done.stderr.split():
        token = token.strip('"')
        if token[:2].isdigit():
            return int(token.split(".")[0])
    return None


def find_java_home() -> Path:
    """A JDK that runs Trino 476: $ATHENA_LOCAL_JAVA_HOME, else the newest JDK >= 24 installed."""
    candidates = [Path(p) for p in [os.environ.get("ATHENA_LOCAL_JAVA_HOME")] if p]
    for folder in ("/usr/lib/jvm", "/opt/java", "/usr/local/lib/jvm"):
        if Path(folder).is_dir():
            candidates += sorted(Path(folder).iterdir(), reverse=True)
    seen = []
    for home in candidates:
        major = _java_major(home / "bin" / "java")
        seen.append(f"{home} ({major or 'no java'})")
        if major is not None and major >= MIN_JAVA:
            return home
    raise EngineError(
        f"Trino {TRINO_VERSION} needs a JDK {MIN_JAVA} or later and none was found "
        f"(looked at: {', '.join(seen) or 'nothing'}); install one (e.g. Temurin 25) or set "
        "ATHENA_LOCAL_JAVA_HOME"
    )


@dataclass(frozen=True)
class EngineConfig:
    state_dir: Path
    port: int
    aws_endpoint: str
    account_id: str = "123456789012"
    region: str = "us-east-1"


def _properties(values: dict[str, str]) -> str:
    return "".join(f"{key}={value}\n" for key, value in values.items())


def write_etc(config: EngineConfig) -> Path:
    """Trino's etc/ for one small single node whose catalogs share moto's Glue and S3."""
    etc = config.state_dir / "trino-etc"
    catalogs = etc / "catalog"
    catalogs.mkdir(parents=True, exist_ok=True)
    (etc / "node.properties").write_text(
        _properties(
            {
                "node.environment": "athena_local",
                "node.id": "athena-local-1",
                "node.data-dir": str(config.state_dir / "trino-data"),
                # Loopback only: Trino 476 carries published CVEs fixed in later releases.
                "node.bind-ip": "127.0.0.1",
                "node.internal-address": "127.0.0.1",
            }
        )
    )
    (etc / "jvm.config").write_text(
        "\n".join(
            [
                "-server",
                "-Xmx3G",
                "-XX:+UseG1GC",
                "-XX:+ExitOnOutOfMemoryError",
                "-XX:ReservedCodeCacheSize=256M",
                "-XX:TieredStopAtLevel=1",
                "-Djdk.attach.allowAttachSelf=true",
                "-Dfile.encoding=UTF-8",
                "-Duser.timezone=UTC",
                "--enable-native-access=ALL-UNNAMED",
                "",
            ]
        )
    )
    (etc / "config.properties").write_text(
        _properties(
            {
                "coordinator": "true",
                "node-scheduler.include-coordinator": "true",
                "http-server.http.port": str(config.port),
                "discovery.uri": f"http://127.0.0.1:{config.port}",
                "query.max-memory": "1GB",
                "query.max-memory-per-node": "1GB",
                "task.concurrency": "2",
                "task.max-worker-threads": "8",
                "optimizer.optimize-metadata-queries": "false",
                # One writer per query, so that Trino refuses a write into more than 100
                # partitions (TOO_MANY_OPEN_PARTITIONS) as Athena does, and dbt-athena's
                # fallback to batches of partitions really runs here.
                "task.min-writer-count": "1",
                "task.max-writer-count": "1",
            }
        )
    )
    (etc / "log.properties").write_text("io.trino=WARN\nio.airlift=WARN\n")
    aws = {
        "region": config.region,
        "endpoint-url": config.aws_endpoint,
        "aws-access-key": "testing",
        "aws-secret-key": "testing",
    }
    glue = {f"hive.metastore.glue.{key}": value for key, value in aws.items()}
    glue["hive.metastore.glue.catalogid"] = config.account_id
    s3 = {
        "fs.native-s3.enabled": "true",
        "s3.endpoint": config.aws_endpoint,
        "s3.region": config.region,
        "s3.path-style-access": "true",
        "s3.aws-access-key": "testing",
        "s3.aws-secret-key": "testing",
    }
    # dbt-athena renders "awsdatacatalog"."schema"."table": Hive tables live there, and Iceberg
    # tables are redirected to the Iceberg catalog on the same Glue, as on Athena.
    (catalogs / "awsdatacatalog.properties").write_text(
        _properties(
            {
                "connector.name": "hive",
                "hive.metastore": "glue",
                **glue,
                "hive.iceberg-catalog-name": "awsdatacatalog_iceberg",
                "hive.non-managed-table-writes-enabled": "true",
                "hive.non-managed-table-creates-enabled": "true",
                "hive.partition-projection-enabled": "true",
                # Athena reads every sub-folder of a table or partition location.
                "hive.recursive-directories": "true",
                "hive.metastore-cache-ttl": "0s",
                **s3,
            }
        )
    )
    (catalogs / "awsdatacatalog_iceberg.properties").write_text(
        _properties(
            {
                "connector.name": "iceberg",
                "iceberg.catalog.type": "glue",
                **glue,
                "iceberg.hive-catalog-name": "awsdatacatalog",
                "iceberg.file-format": "PARQUET",
                "iceberg.compression-codec": "ZSTD",
                "iceberg.unique-table-location": "false",
                **s3,
            }
        )
    )
    return etc


def start(config: EngineConfig, trino_home: Path, java_home: Path) -> subprocess.Popen[bytes]:
    """Start Trino in the background. Logs go to <state_dir>/trino.log."""
    etc = write_etc(config)
    log = (config.state_dir / "trino.log").open("ab")
    env = {
        **os.environ,
        "JAVA_HOME": str(java_home),
        "PATH": f"{java_home}/bin:{os.environ['PATH']}",
    }
    process = subprocess.Popen(
        [str(trino_home / "bin" / "launcher"), f"--etc-dir={etc}", "run"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    return process


def wait_until_ready(
    port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 240.0
) -> float:
    """Seconds until `GET /v1/info` says the node is no longer starting."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise EngineError(f"Trino exited during start-up; the end of {log}:\n{tail}") from None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/info", timeout=2) as answer:
                if not json.load(answer).get("starting", True):
                    return time.monotonic() - started
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(1)
    raise EngineError(f"Trino did not become ready within {timeout:.0f} s; see {log}")
