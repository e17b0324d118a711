{#
    One row per raw line that is not a valid invocation record, with the reason. Together with
    the valid records these are all the non-blank lines of the logs: nothing is dropped silently.
#}

with

log_lines as (

    select *
    from {{ ref('base_bedrock__log_lines') }}
    where quarantine_reason is not null

),

final as (

    select
        log_record_id,
        source_file,
        line_hash,
        line_bytes,
        quarantine_reason,
        nullif(request_id, '') as request_id,
        raw_line_preview,
        delivered_hour_at
    from log_lines

)

select * from final
