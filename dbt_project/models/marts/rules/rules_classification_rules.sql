{#- marts.classification_rules: the rules seed classification_rules as published (every version; is_active for D). -#}
{{ published_rule_seed('classification_rules') }}
