/* backup and restore: SQLite's online backup API copies a token's store
 * file page by page inside one read transaction, so the copy is one
 * consistent state even while other processes write. The copy is the
 * sealed store: nothing is decrypted, no PIN is needed. */
#include "config.h"

#include "tools/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct store_summary {
	char serial[STORE_SERIAL_BYTES + 1];
	char label[STORE_LABEL_BYTES + 1];
	long long format_version;
	long long objects;
} store_summary;

static sqlite3 *open_database(const char *path, int flags, int *rc)
{
	sqlite3 *database = NULL;
	*rc = sqlite3_open_v2(path, &database, flags, NULL);
	if (*rc != SQLITE_OK) {
		sqlite3_close_v2(database);
		return NULL;
	}
	sqlite3_extended_result_codes(database, 1);
	sqlite3_busy_timeout(database, 10000);
	/* The file may be anyone's: run nothing it brings along. */
	sqlite3_db_config(database, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(database, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(database, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(database, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	return database;
}

/* Reads a store's identity from its meta table (plain columns only: the
 * serial and label are stored in clear). 0, or -1 if it is not a guardhsm
 * token store. */
static int summarise(sqlite3 *database, store_summary *summary)
{
	memset(summary, 0, sizeof(*summary));
	summary->format_version = -1;
	sqlite3_stmt *statement = NULL;
	int found = 0;
	if (sqlite3_prepare_v2(database,
	                       "SELECT name, value FROM meta WHERE name IN "
	                       "('serial', 'label', 'format_version')",
	                       -1, &statement, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(statement) == SQLITE_ROW) {
		const char *name =
		        (const char *)sqlite3_column_text(statement, 0);
		int bytes = sqlite3_column_bytes(statement, 1);
		const void *value = sqlite3_column_blob(statement, 1);
		if (name == NULL)
			continue;
		if (strcmp(name, "serial") == 0 &&
		    bytes == STORE_SERIAL_BYTES && value != NULL) {
			memcpy(summary->serial, value, STORE_SERIAL_BYTES);
			found++;
		} else if (strcmp(name, "label") == 0 &&
		           bytes == STORE_LABEL_BYTES && value != NULL) {
			memcpy(summary->label, value, STORE_LABEL_BYTES);
			for (int i = STORE_LABEL_BYTES - 1;
			     i >= 0 && summary->label[i] == ' '; i--)
				summary->label[i] = '\0';
			found++;
		} else if (strcmp(name, "format_version") == 0) {
			summary->format_version =
			        sqlite3_column_int64(statement, 1);
			found++;
		}
	}
	sqlite3_finalize(statement);
	for (size_t i = 0; i < STORE_SERIAL_BYTES; i++) {
		char c = summary->serial[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
	}
	if (found != 3 ||
	    sqlite3_prepare_v2(database, "SELECT COUNT(*) FROM objects", -1,
	                       &statement, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(statement) == SQLITE_ROW)
		summary->objects = sqlite3_column_int64(statement, 0);
	sqlite3_finalize(statement);
	return 0;
}

/* Copies source's main database into destination's. */
static int copy_database(sqlite3 *source, sqlite3 *destination)
{
	sqlite3_backup *backup =
	        sqlite3_backup_init(destination, "main", source, "main");
	if (backup == NULL)
		return sqlite3_errcode(destination);
	int rc;
	/* -1: every page in one step, under one read lock of the source:
	 * a consistent snapshot. Busy: another connection holds a lock we
	 * need; wait and go on. */
	while ((rc = sqlite3_backup_step(backup, -1)) == SQLITE_OK ||
	       rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		if (rc != SQLITE_OK)
			sqlite3_sleep(50);
	int finished = sqlite3_backup_finish(backup);
	return rc == SQLITE_DONE ? finished : rc;
}

static int exec(sqlite3 *database, const char *sql)
{
	return sqlite3_exec(database, sql, NULL, NULL, NULL);
}

static void remove_side_files(const char *path)
{
	char side[4096 + 16];
	static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
	for (int i = 0; i < 3; i++) {
		snprintf(side, sizeof(side), "%s%s", path, suffixes[i]);
		unlink(side);
	}
}

/* A new file, mode 0600, that must not exist (or, with replace, whose
 * old version and side files are removed first). */
static int create_file(const char *path, bool replace)
{
	if (replace) {
		if (unlink(path) != 0 && errno != ENOENT)
			return util_error(UTIL_EXIT_INPUT,
			                  "cannot replace %s: %s", path,
			                  strerror(errno));
		remove_side_files(path);
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return util_error(UTIL_EXIT_INPUT, "cannot create %s: %s%s",
		                  path, strerror(errno),
		                  errno == EEXIST ? " (--force replaces it)"
		                                  : "");
	close(fd);
	return UTIL_EXIT_OK;
}

static void sync_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int parse(int argc, char **argv, const char **token, const char **file,
                 const char **module, bool *force, const char **argument)
{
	static const struct option table[] = {
	        {"token", required_argument, NULL, 't'},
	        {"file", required_argument, NULL, 'f'},
	        {"force", no_argument, NULL, 'F'},
	        {"module", required_argument, NULL, 'm'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	bool restore = strcmp(util_command, "restore") == 0;
	int option;
	while ((option =
	                getopt_long(argc, argv, restore ? "t:Fm:h" : "t:f:Fm:h",
	                            table, NULL)) != -1) {
		switch (option) {
		case 't':
			*token = optarg;
			break;
		case 'f':
			if (restore)
				return util_usage_error("bad option");
			*file = optarg;
			break;
		case 'F':
			*force = true;
			break;
		case 'm':
			*module = optarg;
			break;
		case 'h':
			util_help(util_command, stdout);
			return -1;
		default:
			return util_usage_error("bad option");
		}
	}
	if (optind + 1 != argc)
		return util_usage_error(restore ? "give one BACKUP file"
		                                : "give one DESTINATION file");
	*argument = argv[optind];
	return UTIL_EXIT_OK;
}

int util_cmd_backup(int argc, char **argv)
{
	const char *token = NULL, *file = NULL, *module = NULL, *target = NULL;
	bool force = false;
	int status = parse(argc, argv, &token, &file, &module, &force, &target);
	if (status != UTIL_EXIT_OK)
		return status < 0 ? UTIL_EXIT_OK : status;
	char path[4096];
	status = util_token_file(module, token, file, path, sizeof(path));
	if (status != UTIL_EXIT_OK)
		return status;
	int rc;
	sqlite3 *source = open_database(path, SQLITE_OPEN_READWRITE, &rc);
	store_summary summary;
	if (source == NULL)
		return util_error(UTIL_EXIT_FAILED, "cannot open %s: %s", path,
		                  sqlite3_errstr(rc));
	if (summarise(source, &summary) != 0) {
		sqlite3_close_v2(source);
		return util_error(UTIL_EXIT_INPUT,
		                  "%s is not a guardhsm token store", path);
	}
	status = create_file(target, force);
	bool created = status == UTIL_EXIT_OK;
	sqlite3 *destination = NULL;
	if (status == UTIL_EXIT_OK) {
		destination = open_database(target, SQLITE_OPEN_READWRITE, &rc);
		if (destination == NULL)
			status = util_error(UTIL_EXIT_INPUT,
			                    "cannot open %s: %s", target,
			                    sqlite3_errstr(rc));
	}
	if (status == UTIL_EXIT_OK &&
	    (rc = copy_database(source, destination)) != SQLITE_OK)
		status = util_error(UTIL_EXIT_FAILED, "backup of %s failed: %s",
		                    path, sqlite3_errstr(rc));
	/* One self-contained file: no -wal beside it to lose. */
	if (status == UTIL_EXIT_OK &&
	    (rc = exec(destination, "PRAGMA journal_mode=DELETE")) != SQLITE_OK)
		status = util_error(UTIL_EXIT_FAILED, "%s: %s", target,
		                    sqlite3_errstr(rc));
	store_summary copied;
	if (status == UTIL_EXIT_OK &&
	    (summarise(destination, &copied) != 0 ||
	     strcmp(copied.serial, summary.serial) != 0))
		status = util_error(UTIL_EXIT_FAILED,
		                    "the copy in %s does not read back as the "
		                    "token",
		                    target);
	sqlite3_close_v2(destination);
	sqlite3_close_v2(source);
	if (status != UTIL_EXIT_OK) {
		if (created) {
			unlink(target);
			remove_side_files(target);
		}
		return status;
	}
	sync_file(target);
	printf("Backed up token '%s' (serial %s, %lld objects) to %s\n",
	       copied.label, copied.serial, copied.objects, target);
	return UTIL_EXIT_OK;
}

/* mkdir -p, mode 0700 for what it creates. */
static int make_directories(const char *directory)
{
	char path[4096];
	int written = snprintf(path, sizeof(path), "%s", directory);
	if (written <= 0 || (size_t)written >= sizeof(path))
		return -1;
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int check_token_serial(const char *module, const char *token,
                              const store_summary *summary)
{
	char path[4096];
	int status = util_token_file(module, token, NULL, path, sizeof(path));
	if (status != UTIL_EXIT_OK)
		return status;
	const char *name = strrchr(path, '/');
	name = name ? name + 1 : path;
	if (strncmp(name + 6, summary->serial, STORE_SERIAL_BYTES) != 0)
		return util_error(
		        UTIL_EXIT_USAGE,
		        "the backup is of token '%s' (serial %s), not "
		        "of %s",
		        summary->label, summary->serial, token);
	return UTIL_EXIT_OK;
}

int util_cmd_restore(int argc, char **argv)
{
	const char *token = NULL, *file = NULL, *module = NULL, *backup = NULL;
	bool force = false;
	int status = parse(argc, argv, &token, &file, &module, &force, &backup);
	if (status != UTIL_EXIT_OK)
		return status < 0 ? UTIL_EXIT_OK : status;
	if (access(backup, R_OK) != 0)
		return util_error(errno == ENOENT ? UTIL_EXIT_NOT_FOUND
		                                  : UTIL_EXIT_INPUT,
		                  "%s: %s", backup, strerror(errno));
	int rc;
	sqlite3 *source = open_database(backup, SQLITE_OPEN_READONLY, &rc);
	store_summary summary;
	if (source == NULL || summarise(source, &summary) != 0) {
		sqlite3_close_v2(source);
		return util_error(UTIL_EXIT_INPUT,
		                  "%s is not a guardhsm token backup", backup);
	}
	printf("%s: token '%s', serial %s, %lld objects\n", backup,
	       summary.label, summary.serial, summary.objects);
	p11_config config;
	char target[4096];
	status = util_config_load(&config);
	if (status == UTIL_EXIT_OK && token != NULL)
		status = check_token_serial(module, token, &summary);
	if (status == UTIL_EXIT_OK)
		status = util_token_path(&config, summary.serial, target,
		                         sizeof(target));
	if (status == UTIL_EXIT_OK && make_directories(config.store_path) != 0)
		status = util_error(UTIL_EXIT_INPUT, "cannot create %s: %s",
		                    config.store_path, strerror(errno));
	bool exists = status == UTIL_EXIT_OK && access(target, F_OK) == 0;
	if (exists && !force)
		status =
		        util_error(UTIL_EXIT_INPUT,
		                   "the token exists (%s): --force replaces it "
		                   "with the backup",
		                   target);
	if (status == UTIL_EXIT_OK && !exists)
		status = create_file(target, false);
	/* Over an existing token, the copy is one write transaction of
	 * SQLite's: processes using the token see the old state or the
	 * restored one, and notice the change (data_version). */
	sqlite3 *destination = NULL;
	if (status == UTIL_EXIT_OK) {
		destination = open_database(target, SQLITE_OPEN_READWRITE, &rc);
		if (destination == NULL)
			status = util_error(UTIL_EXIT_INPUT,
			                    "cannot open %s: %s", target,
			                    sqlite3_errstr(rc));
	}
	if (status == UTIL_EXIT_OK &&
	    (rc = copy_database(source, destination)) != SQLITE_OK)
		status = util_error(UTIL_EXIT_FAILED,
		                    "restore into %s failed: %s", target,
		                    sqlite3_errstr(rc));
	sqlite3_close_v2(destination);
	sqlite3_close_v2(source);
	if (status != UTIL_EXIT_OK) {
		if (!exists && destination != NULL) {
			unlink(target);
			remove_side_files(target);
		}
		return status;
	}
	/* Read back through the store, as the module will. */
	store_token *restored;
	store_token_info info;
	store_status result = store_token_open(target, &restored);
	if (result == STORE_OK) {
		result = store_token_get_info(restored, &info);
		store_token_close(restored);
	}
	if (result != STORE_OK)
		return util_store_error(result, target);
	if ((long long)info.object_count != summary.objects ||
	    memcmp(info.serial, summary.serial, STORE_SERIAL_BYTES) != 0)
		return util_error(UTIL_EXIT_FAILED,
		                  "%s does not read back as the backup",
		                  target);
	sync_file(target);
	printf("Restored token '%s' (serial %s, %lld objects) to %s\n",
	       summary.label, summary.serial, summary.objects, target);
	return UTIL_EXIT_OK;
}
