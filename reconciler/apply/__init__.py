"""Apply: carry out a plan against Meta, safely and resumably.

run.py       one `wabaplan apply`: lock, read, plan or check a saved plan, confirm, execute, journal
executor.py  dependency order, parallelism, compare-and-set, outcomes
steps.py     one coroutine per plan operation (the Graph calls)
journal.py   SQLite record of runs, actions, intents, code requests and write-only fingerprints
lock.py      one apply per state directory
"""
