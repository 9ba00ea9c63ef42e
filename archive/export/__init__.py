"""Evidence packages: what goes in, the zip written, its instructions and custody report."""
