"""Jobs users can watch: state, progress, per-document errors and timings in the metadata DB.

The queue only carries IDs; everything a user or a retry needs to know lives here, so a
job survives worker crashes and broker redeliveries.
"""
