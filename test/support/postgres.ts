// How the tests run PostgreSQL 15 from the image test/support/app-images.ts builds
// (`appImage("postgres")`): real-apps (restores of a live server) and test restores.

export const PG_BIN = "/usr/lib/postgresql/15/bin";
export const PGDATA = "/var/lib/postgresql/data";

// Runs as root only to prepare a first start (Berth creates the bind folder as root): then
// the data directory is initialised and served by the postgres user, with PostgreSQL as
// PID 1 (a stale postmaster.pid from a live snapshot then names our own PID, which it
// recognises as stale). A restored data directory is used as it comes back: nothing here
// repairs its owner or mode.
export const postgresCommand = [
  "sh",
  "-c",
  `set -e
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
if [ ! -s ${PGDATA}/PG_VERSION ]; then
  chown postgres:postgres ${PGDATA}
  chmod 0700 ${PGDATA}
  as_postgres ${PG_BIN}/initdb -D ${PGDATA} --auth=trust --username=postgres --encoding=UTF8 --no-locale --no-instructions
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups ${PG_BIN}/postgres -D ${PGDATA} -c listen_addresses= -c unix_socket_directories=/tmp`,
];
