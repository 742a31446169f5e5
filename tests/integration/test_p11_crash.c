/* kill -9 during a stream of C_CreateObject calls: a child creates token
 * objects in a loop and reports each one's (unique) CKA_LABEL through a
 * pipe only AFTER C_CreateObject returned CKR_OK; the parent kills it with
 * SIGKILL after a while. Then the store must open, and every reported
 * object must be there (and readable), with at most the one in flight
 * extra. Also a kill during a stream of C_SetAttributeValue calls. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads from fd until the child has reported its first object, then for
 * `seconds` more, then SIGKILLs pid and reads the rest. Timing starts at
 * the first report so a slow start (a sanitizer build, a loaded machine)
 * cannot make the kill land before the child is creating objects. */
static char *kill_after(pid_t pid, int fd, double seconds, size_t *lines)
{
	size_t capacity = 1 << 16, used = 0;
	char *data = malloc(capacity + 1);
	assert_non_null(data);
	double start_limit = now() + 120.0;
	double deadline = 0;
	bool killed = false;
	for (;;) {
		if (deadline == 0 && used > 0)
			deadline = now() + seconds;
		if (deadline == 0 && now() >= start_limit)
			fail_msg("the child reported nothing within 120 s");
		if (!killed && deadline != 0 && now() >= deadline) {
			assert_int_equal(kill(pid, SIGKILL), 0);
			killed = true;
		}
		struct pollfd p = {fd, POLLIN, 0};
		int ready = poll(&p, 1, killed ? 1000 : 10);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready == 0) {
			if (killed)
				break; /* nothing more is coming */
			continue;
		}
		if (used == capacity) {
			capacity *= 2;
			data = realloc(data, capacity + 1);
			assert_non_null(data);
		}
		ssize_t n = read(fd, data + used, capacity - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!killed)
				fail_msg("the child stopped before it was "
				         "killed");
			break;
		}
		used += (size_t)n;
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* A line cut by the kill is not a report. */
	while (used > 0 && data[used - 1] != '\n')
		used--;
	data[used] = '\0';
	*lines = 0;
	for (size_t i = 0; i < used; i++)
		*lines += data[i] == '\n';
	return data;
}

/* The child: creates token objects labelled "<prefix>-<n>" forever,
 * alternating public and private. */
static _Noreturn void create_forever(CK_SLOT_ID slot, const char *prefix,
                                     int fd)
{
	CK_SESSION_HANDLE s = h_child_session(slot, true);
	for (unsigned long i = 0;; i++) {
		char label[64];
		snprintf(label, sizeof(label), "%s-%lu", prefix, i);
		CK_OBJECT_HANDLE o;
		CHILD_RV(
		        h_create_data_rv(s, true, i % 2 == 1, label, label, &o),
		        CKR_OK);
		h_write_line(fd, label);
	}
}

static pid_t start_child(CK_SLOT_ID slot, const char *prefix, int *read_fd)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		create_forever(slot, prefix, fds[1]);
	}
	close(fds[1]);
	*read_fd = fds[0];
	return pid;
}

/* Every reported label is on the token, with its value. */
static void check_reported(CK_SESSION_HANDLE s, char *report)
{
	for (char *line = report; *line != '\0';) {
		char *end = strchr(line, '\n');
		*end = '\0';
		CK_OBJECT_HANDLE found[2];
		CK_ULONG n = h_find_label(s, line, found, 2);
		if (n != 1)
			fail_msg("reported object %s found %lu times", line,
			         (unsigned long)n);
		char value[64];
		CK_ULONG length = h_get_bytes(s, found[0], CKA_VALUE, value,
		                              sizeof(value));
		assert_int_equal(length, strlen(line));
		assert_memory_equal(value, line, length);
		*end = '\n';
		line = end + 1;
	}
}

static void test_kill_during_creates(void **state)
{
	(void)state;
	CK_SLOT_ID slot = H.slot;
	assert_ok(p11->C_Finalize(NULL));
	static const double delays[] = {0.5, 0.23, 0.71};
	char *reports[3];
	size_t total = 0;
	for (int round = 0; round < 3; round++) {
		char prefix[16];
		snprintf(prefix, sizeof(prefix), "round%d", round);
		int fd;
		pid_t pid = start_child(slot, prefix, &fd);
		size_t lines;
		reports[round] = kill_after(pid, fd, delays[round], &lines);
		close(fd);
		total += lines;
		/* The child got far enough to matter. */
		assert_true(lines > 0);
	}

	/* The store opens, and holds every reported object. */
	assert_ok(p11->C_Initialize(NULL));
	CK_TOKEN_INFO info = h_token_info(slot);
	assert_true(info.flags & CKF_TOKEN_INITIALIZED);
	CK_SESSION_HANDLE s = h_open(slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	for (int round = 0; round < 3; round++) {
		check_reported(s, reports[round]);
		free(reports[round]);
	}
	/* At most the one object in flight per kill is extra. */
	CK_OBJECT_HANDLE *all = calloc(total + 8, sizeof(*all));
	assert_non_null(all);
	CK_ULONG n = h_find(s, NULL, 0, all, total + 8);
	free(all);
	if (n < total || n > total + 3)
		fail_msg("%lu objects on the token, %zu reported",
		         (unsigned long)n, total);
	/* And the token still works. */
	h_create_data(s, true, true, "after the crash", "fine");
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	s = h_open(slot, false);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(s, "after the crash", found, 2), 1);
}

/* The same while this process keeps the token open: its view stays
 * consistent and its own session works throughout. */
static void test_kill_while_parent_has_token_open(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	h_create_data(s, true, false, "parent before", "p");
	int fd;
	pid_t pid = start_child(H.slot, "side", &fd);
	size_t lines;
	char *report = kill_after(pid, fd, 0.4, &lines);
	close(fd);
	assert_true(lines > 0);
	check_reported(s, report);
	free(report);
	h_create_data(s, true, false, "parent after", "p");
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(s, "parent before", found, 2), 1);
	assert_int_equal(h_find_label(s, "parent after", found, 2), 1);
}

/* A child renaming objects in a loop, killed: every object is either in
 * its old or its new state, never damaged or lost. */
static void test_kill_during_updates(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	enum { COUNT = 30 };
	for (int i = 0; i < COUNT; i++) {
		char label[32], value[32];
		snprintf(label, sizeof(label), "u%d", i);
		snprintf(value, sizeof(value), "v%d", i);
		h_create_data(s, true, false, label, value);
	}
	assert_ok(p11->C_Finalize(NULL));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CK_SESSION_HANDLE cs = h_child_session(H.slot, false);
		CK_OBJECT_HANDLE objects[COUNT];
		int index[COUNT];
		CK_ULONG n = 0;
		CHILD_RV(p11->C_FindObjectsInit(cs, NULL, 0), CKR_OK);
		CHILD_RV(p11->C_FindObjects(cs, objects, COUNT, &n), CKR_OK);
		CHILD_RV(p11->C_FindObjectsFinal(cs), CKR_OK);
		CHILD_CHECK(n == COUNT, "found %lu", (unsigned long)n);
		for (int i = 0; i < COUNT; i++) {
			char value[16] = {0};
			CK_ATTRIBUTE a =
			        H_ATTR(CKA_VALUE, value, sizeof(value) - 1);
			CHILD_RV(
			        p11->C_GetAttributeValue(cs, objects[i], &a, 1),
			        CKR_OK);
			index[i] = atoi(value + 1);
		}
		for (unsigned long round = 0;; round++) {
			for (int i = 0; i < COUNT; i++) {
				char label[32];
				snprintf(label, sizeof(label), "u%d:%lu",
				         index[i], round);
				CK_ATTRIBUTE change[] = {
				        H_ATTR_STR(CKA_LABEL, label)};
				CHILD_RV(p11->C_SetAttributeValue(
				                 cs, objects[i], change, 1),
				         CKR_OK);
			}
		}
	}
	usleep(400 * 1000);
	assert_int_equal(kill(pid, SIGKILL), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status))
		fail_msg("the child ended before the kill (status %d)", status);

	assert_ok(p11->C_Initialize(NULL));
	s = h_open(H.slot, false);
	CK_OBJECT_HANDLE found[COUNT + 1];
	assert_int_equal(h_find(s, NULL, 0, found, COUNT + 1), COUNT);
	bool seen[COUNT] = {false};
	for (int i = 0; i < COUNT; i++) {
		char value[16] = {0};
		assert_true(h_get_bytes(s, found[i], CKA_VALUE, value,
		                        sizeof(value) - 1) < sizeof(value));
		int k = atoi(value + 1);
		assert_true(k >= 0 && k < COUNT && !seen[k]);
		seen[k] = true;
		char prefix[16];
		snprintf(prefix, sizeof(prefix), "u%d", k);
		const char *label = h_get_label(s, found[i]);
		assert_true(strncmp(label, prefix, strlen(prefix)) == 0);
		assert_true(label[strlen(prefix)] == '\0' ||
		            label[strlen(prefix)] == ':');
	}
}

int main(void)
{
	/* A killed child must not take us with it through a broken pipe. */
	signal(SIGPIPE, SIG_IGN);
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_kill_during_creates),
	        T(test_kill_while_parent_has_token_open),
	        T(test_kill_during_updates),
	};
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
