{#- Generic test (no package needed): the combination of `columns` is unique in the model. -#}
{% test unique_key_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
