{#
    Fails for every pair of rows with the same key whose [from, to) date ranges overlap
    (a null `to` is open-ended). Two identical rows overlap too.
#}
{% test no_overlapping_date_ranges(model, key_columns, from_column, to_column) %}

with

ranges as (

    select
        {% for column in key_columns %}{{ column }}, {% endfor %}
        {{ from_column }} as range_from,
        coalesce({{ to_column }}, cast('9999-12-31' as date)) as range_to,
        row_number() over (
            order by {% for column in key_columns %}{{ column }}, {% endfor %}{{ from_column }}
        ) as range_number
    from {{ model }}

)

select
    {% for column in key_columns %}earlier.{{ column }}, {% endfor %}
    earlier.range_from as first_range_from,
    earlier.range_to as first_range_to,
    later.range_from as second_range_from,
    later.range_to as second_range_to
from ranges as earlier
inner join ranges as later
    on
        {% for column in key_columns %}earlier.{{ column }} = later.{{ column }} and {% endfor %}
        earlier.range_number < later.range_number
where
    earlier.range_from < later.range_to
    and later.range_from < earlier.range_to

{% endtest %}
