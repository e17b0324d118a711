{#
    The slice of data an incremental run recomputes, as {'start': ..., 'end': ...} timestamp
    strings ('YYYY-MM-DD HH:MM:SS', UTC; end exclusive, or none for open-ended), or none for a
    full build.

    - `--vars '{backfill_from: 2026-10-01, backfill_to: 2026-10-07}'` recomputes exactly those
      days (inclusive), whatever is already loaded.
    - Otherwise an incremental run goes back `lookback_days` whole days from the watermark: the
      newest value of `watermark_column` already in the model. The watermark comes from the data,
      not from the wall clock, so backfills, replays and historical data behave the same way.
    - A first run or --full-refresh builds everything from the model's inputs. (The base model,
      which reads the raw files, reads only the backfill days then: see log_read_window.)
#}
{% macro incremental_window(watermark_column) %}
    {#- a first build or --full-refresh reads everything, backfill vars or not; so does a unit
        test (it has no relation of its own) -#}
    {% if not execute or this is none or not is_incremental() %}
        {{ return(none) }}
    {% endif %}
    {% set backfill = bedrock_tenant_costs.backfill_window() %}
    {% if backfill is not none %}{{ return(backfill) }}{% endif %}
    {% set lookback_days = bedrock_tenant_costs.lookback_days() %}
    {% set result = run_query('select max(' ~ watermark_column ~ ') from ' ~ this) %}
    {% set watermark = result.columns[0].values()[0] %}
    {% if watermark is none %}
        {{ return(none) }}
    {% endif %}
    {% set watermark_day = modules.datetime.date.fromisoformat((watermark | string)[:10]) %}
    {% set start_day = watermark_day - modules.datetime.timedelta(days=lookback_days) %}
    {{ return({'start': start_day.strftime('%Y-%m-%d') ~ ' 00:00:00', 'end': none}) }}
{% endmacro %}

{#
    The window of vars backfill_from / backfill_to (YYYY-MM-DD, both inclusive), or none when
    neither is set; a clear error when only one is set or they are in the wrong order.
#}
{% macro backfill_window() %}
    {% set backfill_from = var('backfill_from', none) %}
    {% set backfill_to = var('backfill_to', none) %}
    {% if backfill_from is none and backfill_to is none %}{{ return(none) }}{% endif %}
    {% if backfill_from is none or backfill_to is none %}
        {{ exceptions.raise_compiler_error(
            "Set both backfill_from and backfill_to (YYYY-MM-DD, inclusive), e.g. "
            ~ "--vars '{backfill_from: 2026-10-01, backfill_to: 2026-10-07}'"
        ) }}
    {% endif %}
    {% set first_day = bedrock_tenant_costs.parse_date_var('backfill_from', backfill_from) %}
    {% set last_day = bedrock_tenant_costs.parse_date_var('backfill_to', backfill_to) %}
    {% if last_day < first_day %}
        {{ exceptions.raise_compiler_error(
            "backfill_to (" ~ last_day ~ ") is before backfill_from (" ~ first_day ~ ")"
        ) }}
    {% endif %}
    {% set end_day = last_day + modules.datetime.timedelta(days=1) %}
    {{ return({
        'start': first_day.strftime('%Y-%m-%d') ~ ' 00:00:00',
        'end': end_day.strftime('%Y-%m-%d') ~ ' 00:00:00',
    }) }}
{% endmacro %}

{#
    The delivery hours base_bedrock__log_lines reads from the raw logs in this run. As
    incremental_window('delivered_hour_at'), except that a first build or --full-refresh with
    backfill vars reads only those days: that is how a long history is built in chunks
    (`bedrock-costs build-history`), each query bounded, the first chunk creating the tables and
    the later ones backfilling. On Athena, var max_days_per_build (none: no bound) refuses a run
    whose raw scan would span more days, before any query starts: Athena stops a DML query after
    30 minutes by default.
#}
{% macro log_read_window() %}
    {% if not execute or this is none %}{{ return(none) }}{% endif %}
    {% if is_incremental() %}
        {% set window = bedrock_tenant_costs.incremental_window('delivered_hour_at') %}
    {% else %}
        {% set window = bedrock_tenant_costs.backfill_window() %}
    {% endif %}
    {% set max_days = var('max_days_per_build', none) %}
    {% if target.type == 'athena' and max_days is not none %}
        {% set today = run_started_at.date() %}
        {% if window is none %}
            {% set first_day = modules.datetime.datetime.strptime(
                var('bedrock_log_first_hour')[:10], '%Y/%m/%d').date() %}
        {% else %}
            {% set first_day = modules.datetime.date.fromisoformat(window.start[:10]) %}
        {% endif %}
        {% if window is none or window.end is none %}
            {% set end_day = today + modules.datetime.timedelta(days=1) %}
        {% else %}
            {% set end_day = modules.datetime.date.fromisoformat(window.end[:10]) %}
        {% endif %}
        {% set days = (end_day - first_day).days %}
        {% if days > max_days %}
            {{ exceptions.raise_compiler_error(
                "This run would read " ~ days ~ " days of logs (from " ~ first_day ~ ") in one "
                ~ "query, more than var max_days_per_build (" ~ max_days ~ "). Build the history "
                ~ "in chunks: bedrock-costs build-history --from " ~ first_day ~ " --days-per-run "
                ~ max_days ~ " (see docs/athena.md, Deploy step by step)."
            ) }}
        {% endif %}
    {% endif %}
    {{ return(window) }}
{% endmacro %}

{# var lookback_days, validated: a whole number of days, at least 1. #}
{% macro lookback_days() %}
    {% set value = var('lookback_days') %}
    {% if value is not number or value != value | int or value < 1 %}
        {{ exceptions.raise_compiler_error(
            "var lookback_days must be a whole number of days >= 1 (late deliveries need it); got: "
            ~ value
        ) }}
    {% endif %}
    {{ return(value | int) }}
{% endmacro %}

{# Parses a YYYY-MM-DD var into a date, with a clear error. #}
{% macro parse_date_var(name, value) %}
    {% set text = value | string %}
    {% if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', text) %}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a date as YYYY-MM-DD; got: " ~ value
        ) }}
    {% endif %}
    {{ return(modules.datetime.date.fromisoformat(text)) }}
{% endmacro %}

{# A SQL predicate: `column` falls inside the window (true when there is no window). #}
{% macro timestamp_in_window(column, window) %}
    {%- if window is none -%}
        (1 = 1)
    {%- else -%}
        {%- set timestamp_type = bedrock_tenant_costs.timestamp_type() -%}
        {%- set condition = column ~ " >= cast('" ~ window.start ~ "' as " ~ timestamp_type ~ ")" -%}
        {%- if window.end is not none -%}
            {%- set condition = condition ~ " and " ~ column ~ " < cast('" ~ window.end ~ "' as " ~ timestamp_type ~ ")" -%}
        {%- endif -%}
        ({{ condition }})
    {%- endif -%}
{% endmacro %}

{#
    THE window predicate of the incremental design: a row is touched by the window when it was
    delivered inside it (a normal run: what arrived since the watermark, less the lookback) or,
    for a backfill, made inside it (invoked_at), so a backfill recomputes its days whatever hour
    their files arrived. True on a full build. Every model and pre-hook that picks the rows of a
    run calls this one macro.
#}
{% macro touched_by_window(window, delivered_column='last_delivered_hour_at', invoked_column='invoked_at') %}
    {%- if window is none -%}
        (1 = 1)
    {%- else -%}
        ({{ bedrock_tenant_costs.timestamp_in_window(delivered_column, window) }}
        or {{ bedrock_tenant_costs.timestamp_in_window(invoked_column, window) }})
    {%- endif -%}
{% endmacro %}

{# The start time of this dbt invocation as a SQL timestamp literal (UTC). #}
{% macro run_started_at_timestamp() %}
    {{- return("cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as "
        ~ bedrock_tenant_costs.timestamp_type() ~ ")") -}}
{% endmacro %}

{#
    The window of delivery hours that the latest load of base_bedrock__log_lines covered: from
    the earliest to the newest delivery hour among the lines it loaded (a backfill loads a past
    range; files delivered after the load are not yet due). none when nothing is loaded
    yet, when that load reaches back to the first hour loaded at all (a first build), or at parse
    time: then everything is checked, without a filter on the file path.
#}
{% macro latest_load_window() %}
    {% if not execute %}{{ return(none) }}{% endif %}
    {#- a backfill (or a first build in chunks) covered exactly its days -#}
    {% set backfill = bedrock_tenant_costs.backfill_window() %}
    {% if backfill is not none %}{{ return(backfill) }}{% endif %}
    {% set base = load_relation(ref('base_bedrock__log_lines')) %}
    {% if base is none %}{{ return(none) }}{% endif %}
    {% set result = run_query(
        'select min(case when loaded.loaded_at = latest.loaded_at then loaded.delivered_hour_at end),'
        ~ ' max(case when loaded.loaded_at = latest.loaded_at then loaded.delivered_hour_at end),'
        ~ ' min(loaded.delivered_hour_at) from ' ~ base ~ ' as loaded'
        ~ ' cross join (select max(loaded_at) as loaded_at from ' ~ base ~ ') as latest'
    ) %}
    {% set earliest = result.columns[0].values()[0] %}
    {% set latest = result.columns[1].values()[0] %}
    {#- the latest load reaches back to the first hour (a first build): check everything -#}
    {% if earliest is none or earliest == result.columns[2].values()[0] %}{{ return(none) }}{% endif %}
    {#- up to the newest hour it loaded: files delivered since (or outside a backfill) wait -#}
    {% set end_hour = modules.datetime.datetime.strptime((latest | string)[:13], '%Y-%m-%d %H')
        + modules.datetime.timedelta(hours=1) %}
    {{ return({
        'start': (earliest | string)[:13] ~ ':00:00',
        'end': end_hour.strftime('%Y-%m-%d %H:%M:%S'),
    }) }}
{% endmacro %}
