#!/bin/sh
# The streaming standby of `postgres`. On its first start: a base backup of the primary
# (pg_basebackup -R writes standby.signal) and the connection it streams over, named
# saksi_standby as the primary's synchronous_standby_names expects; the primary's own
# synchronous_standby_names is cleared in the copy, or once promoted this server would wait
# for a standby of its own. Then PostgreSQL, a hot standby until it is promoted
# (docs/deployment.md, "Node loss and failover").
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  password="$(cat /run/secrets/postgres_replication_password)"
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  until pg_isready -q -h postgres -d postgres; do sleep 2; done
  PGPASSWORD="$password" gosu postgres pg_basebackup -h postgres -U replicator \
    -D "$PGDATA" -X stream -c fast -R
  gosu postgres tee -a "$PGDATA/postgresql.auto.conf" > /dev/null <<CONF
primary_conninfo = 'host=postgres port=5432 user=replicator password=$password application_name=saksi_standby'
synchronous_standby_names = ''
CONF
fi
exec docker-entrypoint.sh "$@"
