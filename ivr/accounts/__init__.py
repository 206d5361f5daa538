"""Console accounts: roles and what each may do, password hashing, the sign-in lock, sessions.
Imported by the web console, the CLI (`robocall users`) and ivr.app; imports storage/ (the account store) only."""
