"""Documents: report data (with redaction) and PDF rendering. Never imports Qt."""
