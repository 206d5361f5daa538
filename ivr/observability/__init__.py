"""What an operator watches of `robocall serve`: /healthz, /readyz and Prometheus /metrics (ivr.observability.http).
Imported by the service (ivr.serve); imports ari/, calls/ (outcome vocabularies) and storage/ (gauges),
never hotline/ or the CLI."""
