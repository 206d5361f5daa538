"""Our ARI client for Asterisk: REST (over the event websockets, HTTP fallback), typed events, per-channel
queues, reconnect and reconcile; and the Protocols (protocols.py) its users are typed by, so that a test fake
stands in for exactly one of them. Imported by calls/, hotline/, the service and the CLI (through ivr.app);
imports only ivr.backoff, ivr.errors and ivr.logs: it knows nothing of campaigns, contacts or storage."""
