"""Cases: what health staff must act on, opened from what calls promise (see rules.py and service.py)."""
