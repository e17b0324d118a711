{#
    The "skeleton" of a tenant id: what is left when the differences a reader cannot see are
    removed, so that ids that look the same compare equal. Lower case; leading and trailing
    whitespace removed; invisible characters (zero-width spaces and joiners, word joiner, BOM,
    soft hyphen) removed; dashes of every width made '-'; and the Cyrillic, Greek and other
    letters that Unicode's confusables list (UTS #39, confusables.txt) maps to a Latin letter,
    and the digits 0 and 1, replaced by that letter. Same SQL on both engines (lower, trim by
    regular expression, translate). Used to report look-alike tenants, never to merge them.
#}
{% macro tenant_id_skeleton(column) %}
    {%- set pairs = [
        ('а', 'a'), ('е', 'e'), ('о', 'o'), ('р', 'p'), ('с', 'c'), ('у', 'y'), ('х', 'x'),
        ('і', 'i'), ('ј', 'j'), ('ѕ', 's'), ('ԁ', 'd'), ('һ', 'h'), ('ӏ', 'l'), ('ԛ', 'q'),
        ('ԝ', 'w'), ('ɡ', 'g'), ('α', 'a'), ('ο', 'o'), ('ρ', 'p'), ('ν', 'v'), ('ι', 'i'),
        ('κ', 'k'), ('υ', 'u'), ('χ', 'x'), ('ı', 'i'), ('ℓ', 'l'), ('0', 'o'), ('1', 'l'),
        ('‐', '-'), ('‑', '-'), ('‒', '-'), ('–', '-'), ('—', '-'), ('−', '-'),
    ] -%}
    {%- set invisible = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad'] -%}
    {%- set from_chars = (pairs | map(attribute=0) | join) ~ (invisible | join) -%}
    {%- set to_chars = pairs | map(attribute=1) | join -%}
    translate(
        regexp_replace(lower({{ column }}), '^\s+|\s+$', ''),
        {{ bedrock_tenant_costs.sql_string_literal(from_chars) }},
        {{ bedrock_tenant_costs.sql_string_literal(to_chars) }}
    )
{%- endmacro %}
