{#
    One row per log file read: how its non-blank lines were accounted for. For every file,
    non_blank_line_count = quarantined_line_count + kept_record_count + duplicate_delivery_count.
#}

with

log_lines as (

    select * from {{ ref('base_bedrock__log_lines') }}

),

kept_records as (

    select
        source_file,
        cast(count(*) as bigint) as kept_record_count
    from {{ ref('int_bedrock__invocations_deduplicated') }}
    group by source_file

),

file_lines as (

    select
        source_file,
        max(path_account_id) as account_id,
        max(path_region) as region,
        cast(count(*) as bigint) as non_blank_line_count,
        cast(sum(case when quarantine_reason is null then 0 else 1 end) as bigint) as quarantined_line_count,
        cast(sum(case when quarantine_reason is null then 1 else 0 end) as bigint) as record_count
    from log_lines
    group by source_file

),

final as (

    select
        file_lines.source_file,
        file_lines.account_id,
        file_lines.region,
        file_lines.non_blank_line_count,
        file_lines.quarantined_line_count,
        coalesce(kept_records.kept_record_count, 0) as kept_record_count,
        file_lines.record_count - coalesce(kept_records.kept_record_count, 0)
            as duplicate_delivery_count
    from file_lines
    left join kept_records
        on file_lines.source_file = kept_records.source_file

)


select
    {{ columns_cast_to_contract() }}
from final
