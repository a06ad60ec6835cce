"""`python -m orchestration rules propose|compare`: calibrate the classification rules on the current data.

- `propose` (propose.py): tier thresholds that bring the tier shares among buyers closest to the
  10/30/60 guideline for D, beside the shares the current thresholds give.
- `compare` (compare.py): a draft of seed `classification_rules.csv` built beside the current rules
  in a scratch copy of the warehouse (nothing is published, the working warehouse is not changed),
  shown as tier and value-class migration matrices.

A rule version only takes effect in the nightly run once its rows are committed to
`dbt_project/seeds/classification_rules.csv` (and the other versioned rule seeds).
"""
