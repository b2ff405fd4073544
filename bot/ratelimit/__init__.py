"""Rate limits per conversation and per address, shared by the replicas (Redis)."""
