"""Logging in to mail servers: TLS, passwords and tokens, shared by sources, transports
and ``mailflow check-connection`` so every one of them fails with the same clear words."""
