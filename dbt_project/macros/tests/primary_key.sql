{#- A key column: unique and never null, dbt's unique and not_null tests in one pass over the model (one node
    instead of two; per-node overhead is most of a small test's cost). Fails with each null or repeated key. -#}
{% test primary_key(model, column_name) %}
    select {{ column_name }} as key_value, count(*) as n
    from {{ model }}
    group by {{ column_name }}
    having {{ column_name }} is null or count(*) > 1
{% endtest %}
