"""Reading evidence as custody: clip metadata, verified downloads, content streams, trails."""
