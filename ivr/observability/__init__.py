"""What an operator watches of `robocall serve`: /healthz, /readyz and Prometheus /metrics (ivr.observability.http)."""
