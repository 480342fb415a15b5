"""Batch checking: many documents in parallel processes, each under a time and memory limit,
results written as they come so an interrupted run resumes; on one machine or a Dask cluster.

- `inputs.py` — files, directories and glob patterns → the documents, with content hashes;
- `records.py` — the result rows: one per document, one per finding;
- `job.py` — the work on one document (read, check), run inside a sandbox;
- `sandbox.py` — a child process with a memory limit, killed past its time limit;
- `run.py` — the batch: plan, skip what is done, run locally or on a cluster, journal;
- `cluster.py` — the same batch on a Dask distributed cluster;
- `results.py` — the journal (resumption) and the parquet, CSV and JSON outputs;
- `display.py` — progress bar and summary table for `yusuan check DIR...`."""
