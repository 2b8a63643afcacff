{#- A model's grain: no two rows share these columns (what dbt_utils.unique_combination_of_columns does,
    without a package download). BUILT_AT (optional): the model's build stamp. A daily build then checks the
    combinations it wrote, each counted across the whole model (see build_stamp.sql). -#}
{% test unique_combination(model, columns, built_at=none) %}
    {%- if tests_rows_built_this_run(built_at) %}
    with written as (
        select distinct {{ columns | join(', ') }}
        from {{ model }}
        where {{ built_at }} = {{ build_started_at() }}
    )

    select {{ columns | join(', ') }}, count(*) as n
    from {{ model }}
    semi join written using ({{ columns | join(', ') }})
    group by {{ columns | join(', ') }}
    having count(*) > 1
    {%- else %}
    select {{ columns | join(', ') }}, count(*) as n
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
    {%- endif %}
{% endtest %}
