"""`python -m orchestration.bench`: the performance benchmark (issue #13, "a real night costs what a day
costs"). A script, not a test.

Per scale (S 2,000 / M 20,000 / L 200,000 customers of the project's demo generator; L is about
10.6M order lines over two years, and one night about 15,000 new order lines and as many re-sent)
it measures these runs of `python -m orchestration run`, each in a fresh subprocess (`scale.py`):

1. **full** — an empty warehouse, the whole generated history, as of its last export date D−1;
2. **nightly** — the first `demo-data --next-day` delivery landed, as of D (one real night);
3. **nothing_new** — the same landing and D again (a night with no new files);
4. **night_2 .. night_7** — one more delivery each, as of its day: with `nightly`, a **week of
   nights**, reported night by night and as the last night's time over the first's;
5. **period_history**, **period** — on a second warehouse: the history without its last export
   date (as of the one before), then that export date landed (about four months of exports: the
   previous bench's "incremental", kept for comparison; `--no-period` skips both).

Decisions (the issue left them open):
- Data is generated once per (scale, seed) and reused (`landing.py`): the history under
  `<work>/landing-<scale>-seed<seed>/`, the seven deliveries under `<work>/nights-<scale>-seed<seed>/`.
  Each bench builds its landings under `<work>/runs/<scale>/` as hard-link farms of those caches and
  lands the deliveries one day at a time; cached files are never modified, so links are safe.
- Stage times come from the Dagster run's step statistics (the in-process executor runs steps one
  after another, so a stage's time is the sum of its steps). `total` is the wall time of the
  subprocess as the user feels it, so `other` = total − all steps = interpreter start, code
  location load, the dbt manifest check and the summary.
- Peak memory (the target's figure) is the larger of: the peak of the summed resident set of the
  whole process tree (the run command and its dbt subprocess), sampled from /proc every 0.2 s (an
  upper bound for what is sampled: shared pages count in each process), and the largest
  resident high-water mark (/proc VmHWM) of one process of the tree, which catches a spike
  between two samples. Both are in the JSON. (Not `wait4`/`RUSAGE_CHILDREN` ru_maxrss: Linux
  carries the forking parent's RSS into the child's figure, so the bench's own memory leaked in.)
- The dbt step is split around dbt's nodes (`step_phases` of figures.dbt_figures, from the step's window and the node
  timings of dbt's run_results.json): before the first node, the nodes, after the last node. The first and
  the last are the step's fixed costs (dbt's start and parse; its artifacts, the audit rows, the lineage and
  the Dagster events), the same at every scale; the nodes are its data work.
- Timings are wall times on a shared machine: each run records the 1-minute load average before
  and after it, so a noisy figure can be recognised.
- "DuckDB's own read" of the order lines = for each order-lines file the run loaded, transcoded
  beforehand (outside the timing) to a UTF-8 copy: `copy (select * from read_csv(file,
  header = true, auto_detect = false, columns = <the raw-zone types of feeds.ORDER_LINES>)) to
  parquet` with the raw zone's Parquet options (raw_output.RAW_PARQUET; DuckDB's default writer
  until 2026-12-07), with the pipeline's DuckDB threads and memory limit. Like for like with
  ingestion, which also writes one Parquet file per landed file with those types; ingestion's extra work
  (hashing, transcoding, validation, quarantine, lineage) is exactly what the ratio prices. It is
  judged on the full, nightly and period runs.
"""
