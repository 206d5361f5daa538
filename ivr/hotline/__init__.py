"""The inbound hotline: residents call in to self-declare, to return a missed robot call, or to reach staff."""
