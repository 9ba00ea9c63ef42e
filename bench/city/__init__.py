"""`make bench CITY=1`: a year of Semarang in PostgreSQL, built in bulk, then measured."""
