"""Console accounts: roles and what each may do, password hashing, the sign-in lock, sessions."""
