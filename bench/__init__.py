"""Load and memory benchmarks: stateless vs legacy (database and per-process sessions)
vs a bare Django view, under one gunicorn command (``make bench``, ``make bench-quick``)."""
