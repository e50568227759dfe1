"""Real servers on loopback for the tests and benchmarks: Dovecot IMAP, aiosmtpd SMTP,
and a throwaway certificate, so mailflow is tried against what it meets in production."""
