{#- A model's grain: no two rows share these columns (what dbt_utils.unique_combination_of_columns does,
    without a package download). -#}
{% test unique_combination(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as n
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
