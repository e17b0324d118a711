{#
    Every non-blank log line that is not a valid invocation record, with the reason. The preview
    keeps at most var quarantine_preview_chars characters and stops before any prompt or response
    body key.
#}

with

quarantined as (

    select * from {{ ref('stg_bedrock__quarantined_log_lines') }}

),

final as (

    select
        log_record_id,
        source_file,
        line_hash,
        line_bytes,
        quarantine_reason,
        request_id,
        raw_line_preview,
        delivered_hour_at
    from quarantined

)


select
    {{ columns_cast_to_contract() }}
from final
