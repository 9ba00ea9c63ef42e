"""Simulated recorders for the demo and the tests: footage that shows its own wall-clock time,
and an HTTP recorder serving it by time range as Frigate and MediaMTX do."""
