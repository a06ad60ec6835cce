{#- marts.display_labels: the rules seed display_labels as published (every version; is_active for D). -#}
{{ published_rule_seed('display_labels') }}
