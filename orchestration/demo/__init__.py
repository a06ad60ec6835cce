"""Demo landing data: a deterministic, realistic world written as the nine export feeds.

World model
-----------
- **Companies** (`companies.py`): N true companies (the `--customers` argument). Each has a role —
  in CRM and ERP (most), a CRM-only prospect, ERP-only, or an "orphan" whose customer record never
  reaches the ERP customers export — a tier target (A/B/C ≈ 10/30/60 % of buyers by yearly revenue
  target), and a behaviour archetype: steady, growing, new, at-risk (stops ~3-5 months before the
  end), dormant (stops 6-12 months before), churned (stops over a year before). Flags add complainers,
  companies whose interactions dry up in the last 90 days, foreign-currency buyers and credit
  profiles (pays on time / 35-80 days late / stops paying).
- **Masters**: ERP customers (legal name, USCC with quirks, credit terms), CRM accounts (the same
  company typed differently — bracket widths, spaces, other legal-form suffix, `Co., Ltd.` — plus
  duplicate accounts of one company, and same-named companies in two cities), contacts, products.
  Snapshot feeds are exported on three dates; records change between them (owner, industry,
  Prospect → Customer, credit limit, price) and a few disappear before the newest snapshot.
- **Behaviour**: orders at a steady rhythm per segment of time, lines from favourite SKUs
  (repurchase) or the catalogue, returns, cancellations; invoices per shipped order paid by the
  credit profile; CRM activities; social followers (linked by union id, by mobile only, or not at
  all) and their engagements, in UTC or +08:00.
- **Exports** (`landing.py`, `writers.py`): six export dates, the last = `end`. Incremental feeds
  carry what changed in each window, so a line is re-sent when its status changes, an invoice when
  it is paid, an activity when it is edited, and some engagements simply come again.

- **Next days** (`nextday/`): `demo-data --next-day` adds one more day of exports to an existing
  landing directory, its state read back from the files (see that package).

Everything is vectorised with numpy / Arrow and every random draw comes from a named stream of
the seed, so the same arguments give byte-identical files.
"""

from .landing import write_demo_landing

__all__ = ["write_demo_landing"]
