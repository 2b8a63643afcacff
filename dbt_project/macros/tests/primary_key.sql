{#- A key column: unique and never null, dbt's unique and not_null tests in one pass over the model (one node
    instead of two; per-node overhead is most of a small test's cost). Fails with each null or repeated key.
    BUILT_AT (optional): the model's build stamp. A daily build then checks the keys it wrote, each counted across
    the whole model, since a new row can repeat the key of a row an earlier run wrote (see build_stamp.sql). -#}
{% test primary_key(model, column_name, built_at=none) %}
    {%- if tests_rows_built_this_run(built_at) %}
    with written as (
        select {{ column_name }} as key_value
        from {{ model }}
        where {{ built_at }} = {{ build_started_at() }}
    )

    select {{ column_name }} as key_value, count(*) as n
    from {{ model }}
    where {{ column_name }} in (select written.key_value from written)
    group by {{ column_name }}
    having count(*) > 1
    union all
    select null as key_value, count(*) as n
    from written
    where key_value is null
    having count(*) > 0
    {%- else %}
    select {{ column_name }} as key_value, count(*) as n
    from {{ model }}
    group by {{ column_name }}
    having {{ column_name }} is null or count(*) > 1
    {%- endif %}
{% endtest %}
