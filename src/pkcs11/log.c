#include "config.h"

#include "pkcs11/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static struct {
	p11_log_level level;
	FILE *file; /* NULL: stderr */
	pthread_mutex_t lock;
} log_state = {.level = P11_LOG_WARNING, .lock = PTHREAD_MUTEX_INITIALIZER};

int p11_log_open(p11_log_level level, const char *path)
{
	p11_log_close();
	log_state.level = level;
	if (path == NULL)
		return 0;
	log_state.file = fopen(path, "ae");
	return log_state.file != NULL ? 0 : -1;
}

void p11_log_close(void)
{
	if (log_state.file != NULL)
		fclose(log_state.file);
	log_state.file = NULL;
	log_state.level = P11_LOG_WARNING;
}

void p11_log(p11_log_level level, const char *format, ...)
{
	static const char *const names[] = {"error", "warning", "info",
	                                    "debug"};
	if (level > log_state.level)
		return;
	char message[1024];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);

	time_t now = time(NULL);
	struct tm local;
	char stamp[32] = "";
	if (localtime_r(&now, &local) != NULL)
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &local);
	pthread_mutex_lock(&log_state.lock);
	FILE *out = log_state.file != NULL ? log_state.file : stderr;
	fprintf(out, "%s guardhsm[%ld]: %s: %s\n", stamp, (long)getpid(),
	        names[level], message);
	fflush(out);
	pthread_mutex_unlock(&log_state.lock);
}
