{#
    Fails for every UTC day that dq_daily_attribution recorded as computed with other settings
    (tenant_id_keys, unattributed_tenant_id) than this run's: e.g. a backfill run
    with a one-off --vars override, after which the next plain build recomputes its lookback days
    with the project's settings again and the database holds both. It reads dq_daily_attribution
    alone, a mart nothing is built from, so a failure skips no other model; the run's end names
    the days and the backfill that makes them agree (report_settings_drift).
#}

with

daily_attribution as (

    select * from {{ ref('dq_daily_attribution') }}

),

final as (

    select
        usage_date,
        attribution_settings
    from daily_attribution
    where attribution_settings <> {{ sql_string_literal(attribution_settings()) }}

)

select * from final
