/* config: the module's effective configuration, read with the module's
 * own parser, each value with where it came from. */
#include "config.h"

#include "tools/util.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

/* Which rule found the file (see configuration.h). */
static const char *file_origin(const p11_config *config)
{
	const char *explicit_path = getenv("GUARDHSM_CONF");
	if (explicit_path != NULL && explicit_path[0] != '\0')
		return "$GUARDHSM_CONF";
	if (strcmp(config->source_file, "/etc/guardhsm/guardhsm.conf") == 0)
		return "system default";
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg != NULL && xdg[0] == '/')
		return "$XDG_CONFIG_HOME";
	return "$HOME/.config";
}

static const char *default_origin(p11_config_key key)
{
	const char *data = getenv("XDG_DATA_HOME");
	switch (key) {
	case P11_CONFIG_STORE_PATH:
		if (data != NULL && data[0] == '/')
			return "default, from $XDG_DATA_HOME";
		return getenv("HOME") ? "default, from $HOME" : "default";
	case P11_CONFIG_ENCLAVE_BUDGET:
		return "default: the soft RLIMIT_MEMLOCK";
	default:
		return "default";
	}
}

/* The value to show: an empty log_file is stderr, an empty budget the
 * limit it stands for. */
static void shown_value(const p11_config *config, p11_config_key key,
                        char *value, size_t size)
{
	if (p11_config_format(config, key, value, size) != 0)
		snprintf(value, size, "?");
	if (value[0] != '\0')
		return;
	if (key == P11_CONFIG_LOG_FILE) {
		snprintf(value, size, "stderr");
	} else if (key == P11_CONFIG_ENCLAVE_BUDGET) {
		struct rlimit limit;
		if (getrlimit(RLIMIT_MEMLOCK, &limit) == 0 &&
		    limit.rlim_cur != RLIM_INFINITY)
			snprintf(value, size, "%llu",
			         (unsigned long long)limit.rlim_cur);
		else
			snprintf(value, size, "64M");
	}
}

static size_t count_token_files(const char *directory, bool *exists)
{
	struct stat info;
	*exists = stat(directory, &info) == 0 && S_ISDIR(info.st_mode);
	char **paths = NULL;
	size_t count = 0;
	if (*exists &&
	    store_list_token_files(directory, &paths, &count) == STORE_OK)
		store_free_paths(paths, count);
	return count;
}

int util_cmd_config(int argc, char **argv)
{
	static const struct option table[] = {
	        {"json", no_argument, NULL, 'j'},
	        {"module", required_argument, NULL, 'm'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	bool json = false;
	const char *module_option = NULL;
	int option;
	while ((option = getopt_long(argc, argv, "jm:h", table, NULL)) != -1) {
		switch (option) {
		case 'j':
			json = true;
			break;
		case 'm':
			module_option = optarg;
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
	p11_config config;
	int status = util_config_load(&config);
	if (status != UTIL_EXIT_OK)
		return status;
	const char *module_origin;
	const char *module = util_module_path(module_option, &module_origin);
	bool store_exists;
	size_t tokens = count_token_files(config.store_path, &store_exists);

	char value[P11_CONFIG_PATH_MAX], source[P11_CONFIG_PATH_MAX + 32];
	if (json) {
		printf("{\"file\": ");
		if (config.source_file[0] != '\0') {
			util_json_string(stdout, config.source_file,
			                 strlen(config.source_file));
			printf(", \"file_origin\": ");
			const char *origin = file_origin(&config);
			util_json_string(stdout, origin, strlen(origin));
		} else {
			printf("null");
		}
		printf(", \"keys\": {");
	} else {
		if (config.source_file[0] != '\0')
			printf("# configuration file: %s (%s)\n",
			       config.source_file, file_origin(&config));
		else
			printf("# no configuration file: defaults only\n");
	}
	static const char *headers[] = {"KEY", "VALUE", "SOURCE"};
	util_table rows;
	util_table_init(&rows, headers, 3);
	for (int key = 0; key < P11_CONFIG_KEY_COUNT; key++) {
		shown_value(&config, key, value, sizeof(value));
		unsigned line = config.source_line[key];
		if (line > 0)
			snprintf(source, sizeof(source), "%s:%u",
			         config.source_file, line);
		else
			snprintf(source, sizeof(source), "%s",
			         default_origin(key));
		const char *name = p11_config_key_name(key);
		if (json) {
			printf("%s", key ? ", " : "");
			util_json_string(stdout, name, strlen(name));
			printf(": {\"value\": ");
			util_json_string(stdout, value, strlen(value));
			printf(", \"source\": ");
			util_json_string(stdout, source, strlen(source));
			printf("}");
		} else {
			const char *row[] = {name, value, source};
			util_table_add(&rows, row);
		}
	}
	if (json) {
		printf("}, \"module\": {\"path\": ");
		util_json_string(stdout, module, strlen(module));
		printf(", \"source\": ");
		util_json_string(stdout, module_origin, strlen(module_origin));
		printf("}, \"token_files\": %zu}\n", tokens);
	} else {
		const char *module_row[] = {"(module)", module, module_origin};
		util_table_add(&rows, module_row);
		util_table_print(&rows, stdout);
		printf("# %zu token file(s) in %s%s\n", tokens,
		       config.store_path,
		       store_exists ? "" : " (does not exist yet)");
	}
	util_table_free(&rows);
	return UTIL_EXIT_OK;
}
