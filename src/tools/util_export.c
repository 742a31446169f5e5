#include "config.h"
#include "tools/util_keys.h"
int util_cmd_export(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return util_error(UTIL_EXIT_FAILED, "not yet");
}
