/* Token files: listing, creation (schema and first meta), opening,
 * closing, deletion and the public information. */
#include "config.h"

#include "store/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_PREFIX "token-"
#define FILE_SUFFIX ".sqlite"

/* Every index costs a page written per object created (the blind tags
 * are random keys), so there are only the two a find needs to be fast:
 * by CKA_ID and by CKA_LABEL. A class is low-cardinality: a find by class
 * alone reads most rows anyway, and with an id or label the other index
 * narrows it. ids are never reused, without AUTOINCREMENT's extra page:
 * see next_id in objects.c. row_mac authenticates the index columns. */
static const char schema[] =
        "CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);"
        "CREATE TABLE objects ("
        " id INTEGER PRIMARY KEY,"
        " unique_id BLOB NOT NULL,"
        " private INTEGER NOT NULL,"
        " class_tag BLOB, id_tag BLOB, label_tag BLOB,"
        " row_mac BLOB NOT NULL,"
        " record BLOB NOT NULL);"
        "CREATE INDEX objects_id ON objects (id_tag);"
        "CREATE INDEX objects_label ON objects (label_tag);";

/* mkdir -p with mode 0700 for what it creates. */
static store_status make_directories(const char *directory)
{
	size_t length = strlen(directory);
	if (length == 0 || length >= 4096)
		return STORE_ERR_INVALID;
	char path[4096];
	memcpy(path, directory, length + 1);
	for (size_t i = 1; i <= length; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char saved = path[i];
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return STORE_ERR_IO;
		path[i] = saved;
	}
	struct stat info;
	if (stat(directory, &info) != 0 || !S_ISDIR(info.st_mode))
		return STORE_ERR_IO;
	return STORE_OK;
}

static bool is_token_name(const char *name)
{
	size_t prefix = strlen(FILE_PREFIX), suffix = strlen(FILE_SUFFIX);
	if (strlen(name) != prefix + STORE_SERIAL_BYTES + suffix ||
	    strncmp(name, FILE_PREFIX, prefix) != 0 ||
	    strcmp(name + prefix + STORE_SERIAL_BYTES, FILE_SUFFIX) != 0)
		return false;
	for (size_t i = prefix; i < prefix + STORE_SERIAL_BYTES; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		      (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return true;
}

static int compare_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void store_free_paths(char **paths, size_t count)
{
	if (paths == NULL)
		return;
	for (size_t i = 0; i < count; i++)
		free(paths[i]);
	free(paths);
}

store_status store_list_token_files(const char *directory, char ***paths,
                                    size_t *count)
{
	if (paths != NULL)
		*paths = NULL;
	if (count != NULL)
		*count = 0;
	if (directory == NULL || paths == NULL || count == NULL)
		return STORE_ERR_INVALID;
	store_status status = make_directories(directory);
	if (status != STORE_OK)
		return status;
	DIR *stream = opendir(directory);
	if (stream == NULL)
		return STORE_ERR_IO;
	char **list = NULL;
	size_t used = 0, capacity = 0;
	struct dirent *entry;
	while (status == STORE_OK && (entry = readdir(stream)) != NULL) {
		if (!is_token_name(entry->d_name))
			continue;
		if (used == capacity) {
			size_t grown = capacity ? capacity * 2 : 8;
			char **bigger = realloc(list, grown * sizeof(*list));
			if (bigger == NULL) {
				status = STORE_ERR_NOMEM;
				break;
			}
			list = bigger;
			capacity = grown;
		}
		size_t size = strlen(directory) + strlen(entry->d_name) + 2;
		list[used] = malloc(size);
		if (list[used] == NULL) {
			status = STORE_ERR_NOMEM;
			break;
		}
		snprintf(list[used], size, "%s/%s", directory, entry->d_name);
		used++;
	}
	closedir(stream);
	if (status != STORE_OK) {
		store_free_paths(list, used);
		return status;
	}
	if (used > 1)
		qsort(list, used, sizeof(*list), compare_paths);
	*paths = list;
	*count = used;
	return STORE_OK;
}

static store_status new_token(const char *path, store_token **out)
{
	*out = NULL;
	if (strlen(path) >= sizeof((*out)->path))
		return STORE_ERR_INVALID;
	store_token *token = calloc(1, sizeof(*token));
	if (token == NULL)
		return STORE_ERR_NOMEM;
	if (pthread_mutex_init(&token->mutex, NULL) != 0) {
		free(token);
		return STORE_ERR_NOMEM;
	}
	strcpy(token->path, path);
	token->data_version = -1;
	token->known_highest_id = -1;
	*out = token;
	return STORE_OK;
}

static void free_token(store_token *token)
{
	store_logout_locked(token);
	store_keys_forget(token);
	/* Finalized first, or the close would leave a zombie connection
	 * (and no checkpoint). */
	store_finalize_statements(token);
	sqlite3_close_v2(token->database);
	token->database = NULL;
	enc_sealed_free(token->public_secret);
	pthread_mutex_destroy(&token->mutex);
	free(token);
}

/* Opens the connection with the safety settings a file that may have been
 * tampered with calls for: no triggers or views run, no schema tricks. */
static store_status connect_database(store_token *token, int flags)
{
	int result = sqlite3_open_v2(token->path, &token->database,
	                             flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (result != SQLITE_OK)
		return (result & 0xff) == SQLITE_CANTOPEN
		               ? STORE_ERR_IO
		               : store_sqlite_status(result);
	sqlite3_extended_result_codes(token->database, 1);
	sqlite3_busy_timeout(token->database, 10000);
	sqlite3_db_config(token->database, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(token->database, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0,
	                  NULL);
	sqlite3_db_config(token->database, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0,
	                  NULL);
	sqlite3_db_config(token->database, SQLITE_DBCONFIG_ENABLE_VIEW, 0,
	                  NULL);
	return STORE_OK;
}

/* WAL so readers and one writer work side by side across processes;
 * synchronous=FULL so a commit survives a power cut. */
static store_status set_durability(store_token *token)
{
	sqlite3_stmt *statement;
	store_status status =
	        store_prepare(token, "PRAGMA journal_mode=WAL", &statement);
	if (status != STORE_OK)
		return status;
	int result = sqlite3_step(statement);
	if (result != SQLITE_ROW)
		status = result == SQLITE_DONE ? STORE_ERR_IO
		                               : store_sqlite_status(result);
	else {
		const char *mode =
		        (const char *)sqlite3_column_text(statement, 0);
		if (mode == NULL || sqlite3_stricmp(mode, "wal") != 0)
			status = STORE_ERR_IO;
	}
	sqlite3_finalize(statement);
	if (status == STORE_OK)
		status = store_exec(token, "PRAGMA synchronous=FULL");
	/* A page cache (16 MiB rather than 2) that holds both indexes of a
	 * token with 100,000 objects, so an insert or a find does not read
	 * them again through the file system. Auto-checkpoints stay at
	 * SQLite's 1,000 WAL pages and pages at 4096 bytes: 200, 500, 4,000
	 * and 16,000 WAL pages measured no faster (a larger WAL keeps
	 * growing the file, which slows every fdatasync), nor did 1024- to
	 * 8192-byte pages clearly (see docs/PERFORMANCE.md). */
	if (status == STORE_OK)
		status = store_exec(token, "PRAGMA cache_size=-16384");
	return status;
}

static void remove_files(const char *path)
{
	char side[4096 + 8];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

/* The directory entry of a new file is durable only once the directory
 * itself is synced. */
static store_status sync_directory(const char *directory)
{
	int fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return STORE_ERR_IO;
	int result = fsync(fd);
	close(fd);
	return result == 0 ? STORE_OK : STORE_ERR_IO;
}

/* Writes the schema and first meta rows in one transaction. */
static store_status write_new_token(store_token *token,
                                    const char label[STORE_LABEL_BYTES],
                                    const unsigned char *so_pin,
                                    size_t so_pin_length, uint32_t tries,
                                    uint64_t opslimit, size_t memlimit)
{
	unsigned char token_uid[STORE_UID_BYTES];
	unsigned char epoch[STORE_EPOCH_BYTES];
	unsigned char public_secret[STORE_PUBLIC_SECRET_BYTES];
	unsigned char salt[STORE_SALT_BYTES];
	unsigned char wrapped[STORE_WRAPPED_BYTES];
	randombytes_buf(token_uid, sizeof token_uid);
	randombytes_buf(epoch, sizeof epoch);
	randombytes_buf(public_secret, sizeof public_secret);

	enc_buffer *master;
	store_status status =
	        store_enclave_status(enc_alloc(STORE_MASTER_BYTES, 0, &master));
	if (status != STORE_OK)
		return status;
	randombytes_buf(enc_data(master), STORE_MASTER_BYTES);
	status = store_wrap_master(master, token_uid, STORE_SO, so_pin,
	                           so_pin_length, opslimit, memlimit, salt,
	                           wrapped);
	enc_free(master);
	if (status != STORE_OK)
		return status;

	const char *serial = strrchr(token->path, '/');
	serial = (serial ? serial + 1 : token->path) + strlen(FILE_PREFIX);
	status = store_begin(token);
	if (status != STORE_OK)
		return status;
	status = store_exec(token, schema);

	if (status == STORE_OK)
		status = store_meta_set_integer(token, "format_version",
		                                STORE_FORMAT_VERSION);
#define SET_BLOB(name, value, length)                                          \
	if (status == STORE_OK)                                                \
	status = store_meta_set_blob(token, name, value, length)
#define SET_INTEGER(name, value)                                               \
	if (status == STORE_OK)                                                \
	status = store_meta_set_integer(token, name, value)
	SET_BLOB("token_uid", token_uid, sizeof token_uid);
	SET_BLOB("serial", serial, STORE_SERIAL_BYTES);
	SET_BLOB("label", label, STORE_LABEL_BYTES);
	SET_BLOB("key_epoch", epoch, sizeof epoch);
	SET_BLOB("public_secret", public_secret, sizeof public_secret);
	SET_BLOB("so_salt", salt, sizeof salt);
	SET_BLOB("so_wrapped", wrapped, sizeof wrapped);
	SET_INTEGER("max_pin_tries", tries);
	SET_INTEGER("user_failures", 0);
	SET_INTEGER("so_failures", 0);
	SET_INTEGER("kdf_opslimit", (int64_t)opslimit);
	SET_INTEGER("kdf_memlimit", (int64_t)memlimit);
	SET_INTEGER("id_floor", 0);
#undef SET_BLOB
#undef SET_INTEGER
	sodium_memzero(public_secret, sizeof public_secret);
	if (status == STORE_OK)
		status = store_commit(token);
	else
		store_rollback(token);
	return status;
}

store_status
store_token_create(const char *directory, const char label[STORE_LABEL_BYTES],
                   const unsigned char *so_pin, size_t so_pin_length,
                   const store_token_options *options, store_token **out)
{
	if (out != NULL)
		*out = NULL;
	if (directory == NULL || label == NULL || out == NULL ||
	    (so_pin == NULL && so_pin_length != 0))
		return STORE_ERR_INVALID;
	store_token_options defaults = {0};
	if (options == NULL)
		options = &defaults;
	uint32_t tries = options->max_pin_tries ? options->max_pin_tries
	                                        : STORE_DEFAULT_PIN_TRIES;
	uint64_t opslimit =
	        options->kdf_opslimit
	                ? options->kdf_opslimit
	                : crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
	size_t memlimit = options->kdf_memlimit
	                          ? options->kdf_memlimit
	                          : crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
	if (tries > STORE_MAX_PIN_TRIES)
		return STORE_ERR_INVALID;
	store_status status = store_kdf_check_limits(opslimit, memlimit);
	if (status != STORE_OK)
		return status;
	status = make_directories(directory);
	if (status != STORE_OK)
		return status;

	/* O_EXCL claims the serial (and sets mode 0600) before SQLite
	 * touches the file. */
	char path[4096];
	int fd = -1;
	for (int attempt = 0; attempt < 8 && fd < 0; attempt++) {
		unsigned char random[STORE_SERIAL_BYTES / 2];
		char serial[STORE_SERIAL_BYTES + 1];
		randombytes_buf(random, sizeof random);
		for (size_t i = 0; i < sizeof random; i++)
			snprintf(serial + 2 * i, 3, "%02x", random[i]);
		int written =
		        snprintf(path, sizeof path, "%s/%s%s%s", directory,
		                 FILE_PREFIX, serial, FILE_SUFFIX);
		if (written < 0 || (size_t)written >= sizeof path)
			return STORE_ERR_INVALID;
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return STORE_ERR_IO;
	}
	if (fd < 0)
		return STORE_ERR_IO;
	close(fd);

	store_token *token;
	status = new_token(path, &token);
	if (status != STORE_OK) {
		remove_files(path);
		return status;
	}
	status = connect_database(token, SQLITE_OPEN_READWRITE);
	if (status == STORE_OK)
		status = set_durability(token);
	if (status == STORE_OK)
		status = write_new_token(token, label, so_pin, so_pin_length,
		                         tries, opslimit, memlimit);
	if (status == STORE_OK)
		status = sync_directory(directory);
	if (status == STORE_OK)
		status = store_refresh_locked(token, NULL);
	if (status != STORE_OK) {
		free_token(token);
		remove_files(path);
		return status;
	}
	/* What a new handle first reads is no change to report. */
	token->change_unreported = false;
	*out = token;
	return STORE_OK;
}

store_status store_token_open(const char *path, store_token **out)
{
	if (out != NULL)
		*out = NULL;
	if (path == NULL || out == NULL)
		return STORE_ERR_INVALID;
	store_token *token;
	store_status status = new_token(path, &token);
	if (status != STORE_OK)
		return status;
	status = connect_database(token, SQLITE_OPEN_READWRITE);
	/* Check it is a token before anything is written to the file. */
	if (status == STORE_OK)
		status = store_refresh_locked(token, NULL);
	if (status == STORE_OK)
		status = set_durability(token);
	if (status != STORE_OK) {
		free_token(token);
		return status;
	}
	/* What a new handle first reads is no change to report. */
	token->change_unreported = false;
	*out = token;
	return STORE_OK;
}

void store_token_close(store_token *token)
{
	if (token != NULL)
		free_token(token);
}

store_status store_token_delete(store_token *token)
{
	if (token == NULL)
		return STORE_ERR_INVALID;
	char path[4096];
	strcpy(path, token->path);
	free_token(token);
	store_status status = STORE_OK;
	if (unlink(path) != 0 && errno != ENOENT)
		status = STORE_ERR_IO;
	char side[4096 + 8];
	snprintf(side, sizeof side, "%s-wal", path);
	if (unlink(side) != 0 && errno != ENOENT)
		status = STORE_ERR_IO;
	snprintf(side, sizeof side, "%s-shm", path);
	if (unlink(side) != 0 && errno != ENOENT)
		status = STORE_ERR_IO;
	return status;
}

store_status store_token_get_info(store_token *token, store_token_info *info)
{
	if (token == NULL || info == NULL)
		return STORE_ERR_INVALID;
	memset(info, 0, sizeof(*info));
	store_lock(token);
	store_status status = store_refresh_locked(token, NULL);
	sqlite3_stmt *statement = NULL;
	if (status == STORE_OK)
		status = store_statement(token, STORE_SQL_COUNT_OBJECTS,
		                         "SELECT COUNT(*) FROM objects",
		                         &statement);
	if (status == STORE_OK) {
		int result = sqlite3_step(statement);
		if (result == SQLITE_ROW)
			info->object_count =
			        (uint64_t)sqlite3_column_int64(statement, 0);
		else
			status = result == SQLITE_DONE
			                 ? STORE_ERR_CORRUPT
			                 : store_sqlite_status(result);
	}
	store_release(statement);
	if (status == STORE_OK) {
		memcpy(info->label, token->label, STORE_LABEL_BYTES);
		memcpy(info->serial, token->serial, STORE_SERIAL_BYTES);
		info->user_pin_initialised = token->user_pin_set;
		info->max_pin_tries = token->max_pin_tries;
		info->user_failures = token->user_failures;
		info->so_failures = token->so_failures;
		snprintf(info->path, sizeof info->path, "%s", token->path);
	}
	store_unlock(token);
	return status;
}
