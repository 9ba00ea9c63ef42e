"""The two thin interfaces: the command line (api.cli) and HTTP (api.http)."""
