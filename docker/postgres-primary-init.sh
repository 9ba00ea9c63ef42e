#!/bin/sh
# Runs once, when the primary's data folder is first made (/docker-entrypoint-initdb.d): the
# role the standby streams WAL as, the pg_hba line that lets it in, and synchronous
# replication to it - every commit then waits until the standby has it, so a failover loses
# nothing acknowledged. Set here (ALTER SYSTEM), not on the command line: the image's set-up
# server takes the command's settings too, and would wait for a standby that is not there yet.
set -eu
psql -v ON_ERROR_STOP=1 -v pw="$(cat /run/secrets/postgres_replication_password)" \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';
ALTER SYSTEM SET synchronous_standby_names = 'saksi_standby';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
