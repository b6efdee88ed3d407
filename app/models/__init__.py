"""Core: store, domain model, bundle interchange, calendar and deadlines. Never imports Qt."""
