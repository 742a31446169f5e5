/* enc_harden: no core dumps, purge on termination signals, and refusal of
 * unknown flags. Each change to the process is made in a forked child. */
#include "config.h"

#include "helpers.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

static int no_dump_child(void *arg)
{
	struct rlimit core;

	/* The control: dumpable before. */
	CHILD_CHECK(prctl(PR_GET_DUMPABLE) == 1);
	CHILD_CHECK(enc_harden(ENC_HARDEN_NO_DUMP) == ENC_OK);
	CHILD_CHECK(prctl(PR_GET_DUMPABLE) == 0);
	CHILD_CHECK(getrlimit(RLIMIT_CORE, &core) == 0);
	CHILD_CHECK(core.rlim_cur == 0);
	CHILD_CHECK(core.rlim_max == 0);
	return 0;
}

static void test_no_dump(void **state)
{
	int status = run_in_child(no_dump_child, NULL);

	if (child_exit_code(status) != 0)
		fail_msg("child: status 0x%x", status);
}

/* Hardens, holds a secret, then raises the signal. */
static void purge_then_die(void *arg)
{
	int signal_number = *(const int *)arg;
	struct sigaction action;
	enc_buffer *buffer = NULL;

	child_reinit(NULL);
	CHILD_CHECK(enc_alloc(32, 0, &buffer) == ENC_OK);
	memset(enc_data(buffer), 0x42, 32);
	CHILD_CHECK(enc_harden(ENC_HARDEN_PURGE_ON_SIGNAL) == ENC_OK);
	/* A handler is in place. */
	CHILD_CHECK(sigaction(signal_number, NULL, &action) == 0);
	CHILD_CHECK(action.sa_handler != SIG_DFL &&
	            action.sa_handler != SIG_IGN);
	raise(signal_number);
	/* Not reached: the default action ends the process. */
}

/* Each signal still ends the process, with the signal itself (after the
 * purge the handler restores the default action and raises it again). */
static void test_purge_on_signal(void **state)
{
	static const int signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};

	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
		int got = 0;
		death_result result =
		        expect_death(purge_then_die, (void *)&signals[i],
		                     &signals[i], 1, &got);

		if (result != DEATH_AS_EXPECTED)
			fail_msg("signal %d: %s (%d)", signals[i],
			         death_result_name(result), got);
	}
}

static void test_unknown_flags(void **state)
{
	assert_int_equal(enc_harden(1u << 2), ENC_ERR_INVALID);
	assert_int_equal(enc_harden(0x80000000u), ENC_ERR_INVALID);
	assert_int_equal(enc_harden(ENC_HARDEN_NO_DUMP | (1u << 9)),
	                 ENC_ERR_INVALID);
	/* Refused as a whole: nothing changed in this process. */
	assert_int_equal(prctl(PR_GET_DUMPABLE), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_no_dump),
	        cmocka_unit_test(test_purge_on_signal),
	        cmocka_unit_test(test_unknown_flags),
	};

	return cmocka_run_group_tests(tests, enclave_setup, enclave_teardown);
}
