"""Price List model names -> Bedrock model ids, through the seed
seeds/bedrock_price_list_models.csv (exact, canonicalised names; nothing matched by containment).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_MARKETPLACE_SUFFIX = re.compile(r"\s*\(amazon bedrock edition\)\s*$", re.IGNORECASE)
_PROVIDER_PREFIXES = (
    "amazon-",
    "anthropic-",
    "meta-",
    "mistral-ai-",
    "cohere-",
    "ai21-labs-",
    "ai21-",
    "deepseek-",
    "openai-",
)
MODEL_ID_SHAPE = re.compile(r"^[a-z0-9-]+\.[a-z0-9.:-]+$")


def canonical_name(name: str) -> str:
    """Lower case, "+" spelled "plus", runs of non-alphanumerics -> "-", no edge hyphens."""
    text = _MARKETPLACE_SUFFIX.sub("", name).replace("+", " plus ")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class ModelResolver:
    """Exact lookup of Price List names in an alias table (plus the model ids themselves)."""

    def __init__(self, aliases: Mapping[str, str]) -> None:
        self._exact: dict[str, str] = {}
        self._compact: dict[str, str] = {}
        entries = list(aliases.items()) + [(model_id, model_id) for model_id in aliases.values()]
        for name, model_id in entries:
            canonical = canonical_name(name)
            for table, form in (
                (self._exact, canonical),
                (self._compact, canonical.replace("-", "")),
            ):
                known = table.setdefault(form, model_id)
                if known != model_id:
                    raise ValueError(f"alias {name!r} is ambiguous: {known} or {model_id}")

    def resolve(self, name: str) -> str | None:
        canonical = canonical_name(name)
        forms = [canonical]
        if canonical.endswith("-instruct"):
            forms.append(canonical.removesuffix("-instruct"))
        for prefix in _PROVIDER_PREFIXES:
            forms.extend(
                form.removeprefix(prefix) for form in list(forms) if form.startswith(prefix)
            )
        for form in forms:
            if form in self._exact:
                return self._exact[form]
        for form in forms:
            compact = form.replace("-", "")
            if compact in self._compact:
                return self._compact[compact]
        return None
