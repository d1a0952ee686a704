"""Evidence: the append-only, hash-chained ledger, certificates, xAPI export."""
