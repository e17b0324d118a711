"""The simulated organisation of the sample logs: accounts and Regions (streams), calling
roles, tenants and models, with their weights."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stream:
    account: str
    region: str
    weight: float
    embeds: bool = True
    """False: this Region has no embedding model with a public price; its callers only chat."""

    @property
    def bucket(self) -> str:
        return f"bedrock-invocation-logs-{self.account}-{self.region}"

    @property
    def partition(self) -> str:
        return "aws-us-gov" if self.region.startswith("us-gov-") else "aws"


@dataclass(frozen=True)
class Role:
    name: str
    tenant_key: str
    use_case: str
    weight: int
    embed_share: float
    op_weights: tuple[int, int, int, int]  # Converse, ConverseStream, InvokeModel, ...Stream
    sessions: tuple[str, ...]
    input_median: int
    output_median: int
    burst_mean: float
    """Mean calls per burst: a chat turn with tool use, a chunked summary, a batch job."""


@dataclass(frozen=True)
class _Tenant:
    name: str
    department: str
    cost_center: str


@dataclass(frozen=True)
class Model:
    model_id: str  # may contain {region} and {account}
    kind: str  # claude45 | claude3 | nova | llama | embed
    weight: float
    native_name: str = ""
    geo: str = ""  # us | eu | jp | apac | ca | us-gov | global for cross-Region profiles
    ttfb_ms: int = 400
    ms_per_token: float = 8.0
    tiered: bool = False
    """Callers pick the flex or priority service tier for some calls (logged in the bodies)."""


@dataclass(frozen=True)
class Burst:
    """Calls one caller makes for one tenant within a few seconds; they share most attributes."""

    stream: Stream
    role: Role
    tenant: _Tenant
    model: Model
    model_id: str
    operation: str
    session: str
    environment: str


STREAMS = (
    Stream("111122223333", "us-east-1", 0.34),
    Stream("111122223333", "eu-west-1", 0.18),
    Stream("444455556666", "us-west-2", 0.22),
    Stream("444455556666", "us-east-1", 0.13),
    Stream("111122223333", "ap-northeast-1", 0.06),
    Stream("444455556666", "ca-central-1", 0.04, embeds=False),
    Stream("777788889999", "us-gov-west-1", 0.03),
)

ROLES: dict[str, tuple[Role, ...]] = {
    "111122223333": (
        Role(
            name="support-assistant-prod",
            tenant_key="tenantId",
            use_case="support-chat",
            weight=40,
            embed_share=0.02,
            op_weights=(35, 45, 5, 15),
            sessions=("i-0a1b2c3d4e5f60718", "i-0f9e8d7c6b5a40312"),
            input_median=700,
            output_median=180,
            burst_mean=5,
        ),
        Role(
            name="doc-summarizer",
            tenant_key="TenantID",
            use_case="summarization",
            weight=25,
            embed_share=0.0,
            op_weights=(10, 0, 70, 20),
            sessions=("doc-summarizer-fn", "botocore-session-1759312345"),
            input_median=2500,
            output_median=250,
            burst_mean=6,
        ),
        Role(
            name="search-indexer",
            tenant_key="tenantId",
            use_case="semantic-search",
            weight=12,
            embed_share=0.85,
            op_weights=(70, 0, 30, 0),
            sessions=("search-indexer-task",),
            input_median=300,
            output_median=120,
            burst_mean=15,
        ),
        Role(
            name="analytics-batch",
            tenant_key="tenant_id",
            use_case="classification",
            weight=15,
            embed_share=0.05,
            op_weights=(60, 0, 40, 0),
            sessions=("glue-job-analytics", "botocore-session-1759398765"),
            input_median=1200,
            output_median=60,
            burst_mean=25,
        ),
    ),
    "444455556666": (
        Role(
            name="tenant-gateway",
            tenant_key="tenantId",
            use_case="chat",
            weight=45,
            embed_share=0.01,
            op_weights=(30, 40, 10, 20),
            sessions=("gateway-pod-7f9c4", "gateway-pod-b21e8", "gateway-pod-c0d55"),
            input_median=800,
            output_median=200,
            burst_mean=5,
        ),
        Role(
            name="reporting-worker",
            tenant_key="tenant_id",
            use_case="report-generation",
            weight=30,
            embed_share=0.0,
            op_weights=(40, 0, 45, 15),
            sessions=("reporting-worker-1", "reporting-worker-2"),
            input_median=1800,
            output_median=300,
            burst_mean=8,
        ),
        Role(
            name="embeddings-pipeline",
            tenant_key="TenantID",
            use_case="rag-ingest",
            weight=15,
            embed_share=0.9,
            op_weights=(60, 0, 40, 0),
            sessions=("embeddings-pipeline-fn",),
            input_median=400,
            output_median=120,
            burst_mean=30,
        ),
    ),
}

# The GovCloud account runs the same gateway, reporting and embedding services.
ROLES["777788889999"] = ROLES["444455556666"]

TENANTS = (
    _Tenant("acme-corp", "customer-success", "CC-1001"),
    _Tenant("globex", "finance", "CC-1002"),
    _Tenant("initech", "engineering", "CC-1003"),
    _Tenant("umbrella-health", "clinical-ops", "CC-1004"),
    _Tenant("stark-industries", "manufacturing", "CC-1005"),
    _Tenant("wayne-enterprises", "legal", "CC-1006"),
    _Tenant("hooli", "marketing", "CC-1007"),
    _Tenant("pied-piper", "engineering", "CC-1008"),
    _Tenant("soylent", "supply-chain", "CC-1009"),
    _Tenant("tyrell-systems", "research", "CC-1010"),
)
# Zipf-like: the largest tenant gets about 12x the smallest.
TENANT_WEIGHTS = tuple(1.0 / (rank**1.1) for rank in range(1, len(TENANTS) + 1))

_HAIKU_45 = "claude-haiku-4-5-20251001"
_SONNET_45 = "claude-sonnet-4-5-20250929"
# Typical time to first byte and generation speed per model family.
_SPEED: dict[str, tuple[int, float]] = {
    _HAIKU_45: (350, 7.0),
    _SONNET_45: (700, 16.0),
    "claude-3-haiku-20240307": (300, 5.0),
    "nova-lite": (250, 4.0),
    "nova-pro": (450, 9.0),
    "nova-2-lite": (300, 5.0),
    "llama3-3-70b": (500, 11.0),
    "llama3-70b": (550, 12.0),
    "claude-sonnet-4-6": (650, 15.0),
    "claude-opus-4-7": (1100, 24.0),
}


def _claude(model_id: str, weight: float, native: str, geo: str = "") -> Model:
    kind = "claude3" if native.startswith("claude-3-") else "claude45"
    ttfb, per_token = _SPEED[native]
    return Model(model_id, kind, weight, native, geo, ttfb, per_token)


def _other(
    model_id: str, kind: str, weight: float, speed: str, geo: str = "", *, tiered: bool = False
) -> Model:
    ttfb, per_token = _SPEED[speed]
    return Model(model_id, kind, weight, "", geo, ttfb, per_token, tiered)


EMBED_MODEL = Model("amazon.titan-embed-text-v2:0", "embed", 1.0)
# GovCloud bills Titan Text Embeddings V1 (there is no public GovCloud price for V2).
GOV_EMBED_MODEL = Model("amazon.titan-embed-text-v1", "embed", 1.0)
_SONNET_46 = "claude-sonnet-4-6"
_OPUS_47 = "claude-opus-4-7"
US_TEXT_MODELS = (
    _claude("us.anthropic.claude-haiku-4-5-20251001-v1:0", 30, _HAIKU_45, "us"),
    _claude("global.anthropic.claude-sonnet-4-5-20250929-v1:0", 10, _SONNET_45, "global"),
    _claude("us.anthropic.claude-sonnet-4-5-20250929-v1:0", 10, _SONNET_45, "us"),
    _claude("anthropic.claude-3-haiku-20240307-v1:0", 8, "claude-3-haiku-20240307"),
    _other("amazon.nova-lite-v1:0", "nova", 12, "nova-lite"),
    _other(
        "arn:aws:bedrock:{region}::foundation-model/amazon.nova-pro-v1:0", "nova", 6, "nova-pro"
    ),
    _claude(
        "arn:aws:bedrock:{region}:{account}:inference-profile/"
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        6,
        _HAIKU_45,
        "us",
    ),
    _other("us.meta.llama3-3-70b-instruct-v1:0", "llama", 6, "llama3-3-70b", "us"),
    _claude("us.anthropic.claude-sonnet-4-6", 4, _SONNET_46, "us"),
)
# An opaque application inference profile (~1.5% of the text-model calls in the one account and
# Region that owns it): unpriced until seeds/bedrock_application_inference_profiles.csv maps it,
# as the shipped seed does.
APP_PROFILE_MODEL = _claude(
    "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6",
    1.35,
    _HAIKU_45,
)
EU_TEXT_MODELS = (
    _claude("eu.anthropic.claude-haiku-4-5-20251001-v1:0", 45, _HAIKU_45, "eu"),
    _claude("eu.anthropic.claude-sonnet-4-5-20250929-v1:0", 25, _SONNET_45, "eu"),
    _claude("global.anthropic.claude-haiku-4-5-20251001-v1:0", 30, _HAIKU_45, "global"),
)
APAC_TEXT_MODELS = (
    _claude("jp.anthropic.claude-haiku-4-5-20251001-v1:0", 35, _HAIKU_45, "jp"),
    _claude("jp.anthropic.claude-sonnet-4-6", 20, _SONNET_46, "jp"),
    _claude("global.anthropic.claude-opus-4-7", 8, _OPUS_47, "global"),
    _other("apac.amazon.nova-lite-v1:0", "nova", 20, "nova-lite", "apac"),
    _other("global.amazon.nova-2-lite-v1:0", "nova", 17, "nova-2-lite", "global", tiered=True),
)
CA_TEXT_MODELS = (
    _claude("ca.anthropic.claude-haiku-4-5-20251001-v1:0", 30, _HAIKU_45, "ca"),
    _claude("global.anthropic.claude-sonnet-4-5-20250929-v1:0", 25, _SONNET_45, "global"),
    _claude("anthropic.claude-3-haiku-20240307-v1:0", 25, "claude-3-haiku-20240307"),
    _other("meta.llama3-70b-instruct-v1:0", "llama", 20, "llama3-70b"),
)
GOV_TEXT_MODELS = (
    _claude("us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0", 45, _SONNET_45, "us-gov"),
    _claude("anthropic.claude-3-haiku-20240307-v1:0", 30, "claude-3-haiku-20240307"),
    _other("amazon.nova-pro-v1:0", "nova", 25, "nova-pro"),
)
