"""Our ARI client for Asterisk: REST (over the event websockets, HTTP fallback), typed events, per-channel
queues, reconnect and reconcile. Imported by calls/, hotline/, the service and the CLI (through ivr.app);
imports only ivr.config, ivr.errors and ivr.logs: it knows nothing of campaigns, contacts or storage."""
