/* Shared helpers for the enclave unit tests. */
#include "config.h"

#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

int enclave_setup(void **state)
{
	enc_status status = enc_init(NULL);

	if (status != ENC_OK) {
		print_error("enc_init: %s\n", enc_strerror(status));
		return -1;
	}
	return 0;
}

int enclave_teardown(void **state)
{
	enc_shutdown();
	return 0;
}

size_t test_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* In a new child: no core files, and the default action for the signals
 * cmocka catches in the parent (its handlers are inherited and would turn
 * a death into a test failure inside the child). */
static void prepare_child(void)
{
	static const int signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE,
	                              SIGTERM, SIGINT, SIGHUP,  SIGQUIT};
	struct rlimit limit = {0, 0};
	sigset_t unblock;

	setrlimit(RLIMIT_CORE, &limit);
	sigemptyset(&unblock);
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
		signal(signals[i], SIG_DFL);
		sigaddset(&unblock, signals[i]);
	}
	sigprocmask(SIG_UNBLOCK, &unblock, NULL);
}

int run_in_child(int (*fn)(void *), void *arg)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prepare_child();
		_exit(fn(arg));
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return status;
}

int child_exit_code(int status)
{
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* The child's exit code when fn returns: a value no other path uses. */
#define DEATH_RETURNED 99

death_result expect_death(void (*fn)(void *), void *arg, const int *signals,
                          size_t count, int *got)
{
	int status = 0;
	int dummy;
	pid_t pid;

	if (got == NULL)
		got = &dummy;
	*got = 0;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return DEATH_NO_CHILD;
	if (pid == 0) {
		prepare_child();
		fn(arg);
		_exit(DEATH_RETURNED);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return DEATH_NO_CHILD;
	}
	if (WIFEXITED(status)) {
		*got = WEXITSTATUS(status);
		return *got == DEATH_RETURNED ? DEATH_NONE : DEATH_EXIT;
	}
	if (!WIFSIGNALED(status))
		return DEATH_NO_CHILD;
	*got = WTERMSIG(status);
	for (size_t i = 0; i < count; i++) {
		if (signals[i] == *got)
			return DEATH_AS_EXPECTED;
	}
	return DEATH_OTHER_SIGNAL;
}

const char *death_result_name(death_result result)
{
	switch (result) {
	case DEATH_AS_EXPECTED:
		return "died of an expected signal";
	case DEATH_NONE:
		return "no death: the child returned normally";
	case DEATH_EXIT:
		return "no death: the child exited (code)";
	case DEATH_OTHER_SIGNAL:
		return "died of an unexpected signal";
	case DEATH_NO_CHILD:
		return "fork or waitpid failed";
	}
	return "?";
}

_Noreturn void child_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "child check failed at %s:%d: %s\n", file, line, what);
	fflush(stderr);
	_exit(1);
}

void child_reinit(const enc_config *config)
{
	enc_status status;

	enc_shutdown();
	status = enc_init(config);
	if (status != ENC_OK) {
		fprintf(stderr, "child enc_init: %s\n", enc_strerror(status));
		_exit(2);
	}
}

bool read_own_memory(const void *address, void *out, size_t bytes)
{
	int fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return false;
	while (done < bytes) {
		ssize_t got =
		        pread(fd, (unsigned char *)out + done, bytes - done,
		              (off_t)((uintptr_t)address + done));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		done += (size_t)got;
	}
	close(fd);
	return done == bytes;
}

long vm_locked_kb(void)
{
	FILE *file = fopen("/proc/self/status", "re");
	char line[256];
	long kb = -1;

	if (file == NULL)
		return -1;
	while (fgets(line, sizeof line, file) != NULL) {
		if (strncmp(line, "VmLck:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(file);
	return kb;
}

enc_stats get_stats(void)
{
	enc_stats stats;

	memset(&stats, 0, sizeof stats);
	assert_int_equal(enc_get_stats(&stats), ENC_OK);
	return stats;
}

/* splitmix64: a cheap, well-mixed sequence for test patterns. */
static uint64_t mix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void fill_pattern(void *data, size_t size, uint64_t seed)
{
	unsigned char *bytes = data;
	uint64_t state = seed;
	uint64_t word = 0;

	for (size_t i = 0; i < size; i++) {
		if (i % 8 == 0)
			word = mix(&state);
		bytes[i] = (unsigned char)(word >> (8 * (i % 8)));
	}
}

bool check_pattern(const void *data, size_t size, uint64_t seed)
{
	const unsigned char *bytes = data;
	uint64_t state = seed;
	uint64_t word = 0;

	for (size_t i = 0; i < size; i++) {
		if (i % 8 == 0)
			word = mix(&state);
		if (bytes[i] != (unsigned char)(word >> (8 * (i % 8))))
			return false;
	}
	return true;
}

bool all_zero(const void *data, size_t size)
{
	const unsigned char *bytes = data;

	for (size_t i = 0; i < size; i++) {
		if (bytes[i] != 0)
			return false;
	}
	return true;
}

unsigned long env_number(const char *name, unsigned long fallback)
{
	const char *text = getenv(name);
	char *end = NULL;
	unsigned long value;

	if (text == NULL || *text == '\0')
		return fallback;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0')
		return fallback;
	return value;
}

bool under_valgrind(void)
{
#ifdef HAVE_VALGRIND_VALGRIND_H
	return RUNNING_ON_VALGRIND != 0;
#else
	return false;
#endif
}
