/* check: opens a token's store file through the store layer, logs in, and
 * authenticates every object record and every index row; then SQLite's
 * own integrity check. Exit 0: sound; 1: problems (each one printed). */
#include "config.h"

#include "tools/util.h"

#include <getopt.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct check_result {
	unsigned long objects, problems;
} check_result;

static void problem(check_result *result, const char *format, ...)
        __attribute__((format(printf, 2, 3)));

static void problem(check_result *result, const char *format, ...)
{
	va_list arguments;
	va_start(arguments, format);
	fflush(stderr);
	vprintf(format, arguments);
	putchar('\n');
	va_end(arguments);
	result->problems++;
}

static bool contains(const store_object_id *ids, size_t count,
                     store_object_id id)
{
	size_t low = 0, high = count;
	while (low < high) {
		size_t middle = low + (high - low) / 2;
		if (ids[middle] == id)
			return true;
		if (ids[middle] < id)
			low = middle + 1;
		else
			high = middle;
	}
	return false;
}

/* Every object: its record (each attribute's AEAD tag, the associated data
 * binding it to the token, object, type and count) and its index row's
 * MAC. */
static int check_objects(store_token *token, bool logged_in, uint64_t stored,
                         check_result *result)
{
	store_index all = {0};
	store_object_id *ids = NULL, *verified = NULL;
	unsigned char *unique_ids = NULL;
	size_t count = 0, verified_count = 0;
	store_status status = store_object_find(token, &all, &ids, &count);
	if (status == STORE_OK)
		status = store_object_find_verified(token, &all, &verified,
		                                    &unique_ids, NULL,
		                                    &verified_count);
	free(unique_ids);
	if (status != STORE_OK) {
		free(ids);
		free(verified);
		problem(result, "cannot list the objects: %s",
		        store_strerror(status));
		return UTIL_EXIT_OK;
	}
	util_progress progress;
	util_progress_start(&progress, "checking", count);
	for (size_t i = 0; i < count; i++) {
		bool is_private;
		unsigned char unique_id[STORE_UNIQUE_ID_BYTES];
		store_attribute *attributes = NULL;
		size_t attribute_count = 0;
		/* Only authenticated here, so any defaults version will do. */
		uint32_t defaults;
		status = store_object_load_ex(token, ids[i], &is_private,
		                              unique_id, &defaults, &attributes,
		                              &attribute_count);
		store_attributes_free(attributes, attribute_count);
		if (status != STORE_OK) {
			util_progress_end(&progress);
			problem(result,
			        "object %lld: the record does not "
			        "authenticate (%s)",
			        (long long)ids[i], store_strerror(status));
		}
		if (!contains(verified, verified_count, ids[i])) {
			util_progress_end(&progress);
			problem(result,
			        "object %lld: the index row does not "
			        "authenticate (its MAC or tags were altered)",
			        (long long)ids[i]);
		}
		result->objects++;
		util_progress_update(&progress, i + 1);
	}
	util_progress_end(&progress);
	/* Logged in, a find sees every row: any other row is one whose
	 * privacy flag is not 0 or 1. */
	if (logged_in && stored != count)
		problem(result,
		        "%llu rows in the objects table, but %zu objects: "
		        "rows with a damaged privacy flag",
		        (unsigned long long)stored, count);
	free(ids);
	free(verified);
	return UTIL_EXIT_OK;
}

/* SQLite's own check of pages, indexes and free lists. */
static void check_database(const char *path, check_result *result)
{
	sqlite3 *database = NULL;
	sqlite3_stmt *statement = NULL;
	int rc = sqlite3_open_v2(path, &database, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(database, 10000);
		sqlite3_db_config(database, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
		sqlite3_db_config(database, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0,
		                  NULL);
		rc = sqlite3_prepare_v2(database, "PRAGMA integrity_check", -1,
		                        &statement, NULL);
	}
	bool sound = false;
	while (rc == SQLITE_OK && sqlite3_step(statement) == SQLITE_ROW) {
		const char *line =
		        (const char *)sqlite3_column_text(statement, 0);
		if (line != NULL && strcmp(line, "ok") == 0)
			sound = true;
		else
			problem(result, "SQLite integrity check: %s",
			        line ? line : "(null)");
	}
	if (rc != SQLITE_OK)
		problem(result, "SQLite integrity check: %s",
		        database ? sqlite3_errmsg(database) : "cannot open");
	else if (!sound && result->problems == 0)
		problem(result, "SQLite integrity check failed");
	sqlite3_finalize(statement);
	sqlite3_close_v2(database);
}

int util_cmd_check(int argc, char **argv)
{
	static const struct option table[] = {
	        {"token", required_argument, NULL, 't'},
	        {"file", required_argument, NULL, 'f'},
	        {"pin-source", required_argument, NULL, 'p'},
	        {"so", no_argument, NULL, 'S'},
	        {"so-pin-source", required_argument, NULL, 's'},
	        {"public-only", no_argument, NULL, 'P'},
	        {"module", required_argument, NULL, 'm'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *token_text = NULL, *file = NULL, *pin_source = NULL,
	           *so_pin_source = NULL, *module_path = NULL;
	bool so = false, public_only = false;
	int option;
	while ((option = getopt_long(argc, argv, "t:f:p:Ss:Pm:h", table,
	                             NULL)) != -1) {
		switch (option) {
		case 't':
			token_text = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'p':
			pin_source = optarg;
			break;
		case 'S':
			so = true;
			break;
		case 's':
			so_pin_source = optarg;
			so = true;
			break;
		case 'P':
			public_only = true;
			break;
		case 'm':
			module_path = optarg;
			break;
		case 'h':
			util_help(util_command, stdout);
			return UTIL_EXIT_OK;
		default:
			return util_usage_error("bad option");
		}
	}
	if (optind < argc)
		return util_usage_error("unexpected argument '%s'",
		                        argv[optind]);
	if (public_only && (so || pin_source != NULL))
		return util_usage_error("--public-only takes no PIN");
	char path[4096];
	int status = util_token_file(module_path, token_text, file, path,
	                             sizeof(path));
	if (status != UTIL_EXIT_OK)
		return status;
	check_result result = {0, 0};
	store_token *token = NULL;
	store_token_info info;
	store_status opened = store_token_open(path, &token);
	if (opened == STORE_OK)
		opened = store_token_get_info(token, &info);
	if (opened == STORE_ERR_CORRUPT || opened == STORE_ERR_VERSION) {
		problem(&result, "%s: %s", path, store_strerror(opened));
		check_database(path, &result);
		store_token_close(token);
		return UTIL_EXIT_PROBLEMS;
	}
	if (opened != STORE_OK) {
		store_token_close(token);
		return util_store_error(opened, path);
	}
	if (!public_only) {
		util_secret pin;
		status = so ? util_secret_read(so_pin_source, "GUARDHSM_SO_PIN",
		                               "SO PIN", false, &pin)
		            : util_secret_read(pin_source, "GUARDHSM_PIN",
		                               "User PIN", false, &pin);
		if (status == UTIL_EXIT_OK) {
			store_status login =
			        store_login(token, so ? STORE_SO : STORE_USER,
			                    util_secret_data(&pin), pin.length);
			/* A wrapped master key that fails to open under
			 * the right PIN looks like a wrong PIN: the store
			 * cannot tell them apart. */
			if (login != STORE_OK)
				status = util_store_error(login, so ? "SO login"
				                                    : "login");
		}
		util_secret_free(&pin);
	}
	if (status == UTIL_EXIT_OK)
		status = check_objects(token, !public_only, info.object_count,
		                       &result);
	store_logout(token);
	store_token_close(token);
	if (status != UTIL_EXIT_OK)
		return status;
	check_database(path, &result);
	printf("%s: %lu %sobject(s) checked, %lu problem(s)\n", path,
	       result.objects, public_only ? "public " : "", result.problems);
	return result.problems ? UTIL_EXIT_PROBLEMS : UTIL_EXIT_OK;
}
