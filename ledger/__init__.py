"""The tamper-evident ledger. Modules here depend only on the standard library and
`cryptography`, so an evidence package can carry the same code a court runs."""
