/* The bare SQLite baseline of the create rows: one 64-byte row per
 * transaction in a fresh file, with the settings guardhsm's store uses
 * (src/store/token.c: journal_mode=WAL, synchronous=FULL, the default
 * 1,000-page auto-checkpoint and 4096-byte pages, a 16 MiB page cache),
 * so the two differ only in what a commit carries: here one row in one
 * b-tree, there a sealed object in a table and two indexes. */
#include "config.h"

#include "p11bench_common.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool bench_sqlite_open(bench_sqlite *baseline, const char *base)
{
	char path[PATH_MAX + 32];

	memset(baseline, 0, sizeof(*baseline));
	/* A fresh file each time: the measurement runs more than once. */
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/raw-sqlite.db%s", base,
		         suffixes[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/raw-sqlite.db", base);
	int status = sqlite3_open(path, &baseline->database);
	if (status == SQLITE_OK)
		status = sqlite3_exec(baseline->database,
		                      "PRAGMA journal_mode=WAL;"
		                      "PRAGMA synchronous=FULL;"
		                      "PRAGMA cache_size=-16384;"
		                      "CREATE TABLE t(id INTEGER PRIMARY KEY,"
		                      " value BLOB NOT NULL);",
		                      NULL, NULL, NULL);
	if (status == SQLITE_OK)
		status = sqlite3_prepare_v2(baseline->database,
		                            "INSERT INTO t(value) VALUES (?)",
		                            -1, &baseline->insert, NULL);
	baseline->status = status;
	return status == SQLITE_OK;
}

bool bench_sqlite_commit(bench_sqlite *baseline)
{
	unsigned char value[BENCH_VALUE_BYTES];

	bench_random(value, sizeof(value));
	/* Outside BEGIN/COMMIT every statement is its own transaction: one
	 * durable commit per row. */
	sqlite3_bind_blob(baseline->insert, 1, value, sizeof(value),
	                  SQLITE_STATIC);
	int status = sqlite3_step(baseline->insert);
	if (status == SQLITE_DONE)
		status = sqlite3_reset(baseline->insert);
	baseline->status = status;
	return status == SQLITE_OK;
}

const char *bench_sqlite_error(const bench_sqlite *baseline)
{
	return baseline->database != NULL ? sqlite3_errmsg(baseline->database)
	                                  : sqlite3_errstr(baseline->status);
}

const char *bench_sqlite_version(void)
{
	return sqlite3_libversion();
}

void bench_sqlite_close(bench_sqlite *baseline)
{
	sqlite3_finalize(baseline->insert);
	sqlite3_close(baseline->database);
	memset(baseline, 0, sizeof(*baseline));
}
