"""Run control: the warehouse lock, the run plan, recovery of what a killed run left behind.

Every run (CLI, schedule, sensor, UI, backfill) holds the warehouse lock for its whole duration,
fixes its plan once at the start (`plan`), and cleans up after an earlier run that was killed
(`recovery`). Every step reads the plan; none recomputes it.
"""
