"""Scheduled work: the job list's shape, the scheduler, recorded runs, read-model catch-up."""
