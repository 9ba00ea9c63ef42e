"""The ledger's tables beside the event store: Merkle nodes and checkpoints, timestamps, ordered
reads."""
