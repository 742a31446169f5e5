/* The slab under RLIMIT_MEMLOCK 64 KiB, without CAP_IPC_LOCK: thousands of
 * sealed secrets opened a few at a time stay inside the limit, and asking
 * for far more than the budget fails cleanly. Runs in a forked child, which
 * reports through its exit code. */
#include "config.h"

#include "helpers.h"

#include <linux/capability.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LIMIT (64 * 1024)
#define SECRETS 10000
#define AT_ONCE 4
#define GREEDY 40

/* Removes CAP_IPC_LOCK from the effective and permitted sets, so that
 * RLIMIT_MEMLOCK applies even to root. */
static bool drop_ipc_lock(void)
{
	struct __user_cap_header_struct header = {
	        .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	unsigned word = CAP_IPC_LOCK / 32;
	uint32_t bit = 1u << (CAP_IPC_LOCK % 32);

	memset(data, 0, sizeof data);
	if (syscall(SYS_capget, &header, data) != 0)
		return false;
	data[word].effective &= ~bit;
	data[word].permitted &= ~bit;
	data[word].inheritable &= ~bit;
	if (syscall(SYS_capset, &header, data) != 0)
		return false;
	memset(data, 0, sizeof data);
	if (syscall(SYS_capget, &header, data) != 0)
		return false;
	return (data[word].effective & bit) == 0;
}

static bool within_limit(void)
{
	enc_stats stats;
	long kb = vm_locked_kb();

	if (enc_get_stats(&stats) != ENC_OK)
		return false;
	if (kb < 0 || kb > LIMIT / 1024) {
		fprintf(stderr, "VmLck %ld kB\n", kb);
		return false;
	}
	if (stats.locked_bytes > LIMIT) {
		fprintf(stderr, "locked_bytes %zu\n", stats.locked_bytes);
		return false;
	}
	return true;
}

static int memlock_child(void *arg)
{
	struct rlimit limit = {LIMIT, LIMIT};
	enc_sealed **sealed;
	enc_buffer *greedy[GREEDY];
	enc_buffer *fillers[GREEDY];
	enc_stats stats;
	size_t failures = 0;

	if (!drop_ipc_lock()) {
		fprintf(stderr, "cannot drop CAP_IPC_LOCK\n");
		return CHILD_SKIP;
	}
	if (setrlimit(RLIMIT_MEMLOCK, &limit) != 0) {
		fprintf(stderr, "cannot set RLIMIT_MEMLOCK\n");
		return CHILD_SKIP;
	}
	/* The parent's enclave is gone in a child; this one starts with the
	 * 64 KiB limit as its budget. */
	child_reinit(NULL);
	CHILD_CHECK(enc_get_stats(&stats) == ENC_OK);
	CHILD_CHECK(stats.locked_budget == LIMIT);
	CHILD_CHECK(within_limit());

	sealed = calloc(SECRETS, sizeof *sealed);
	CHILD_CHECK(sealed != NULL);
	for (size_t i = 0; i < SECRETS; i++) {
		unsigned char plain[32];

		fill_pattern(plain, sizeof plain, i);
		CHILD_CHECK(enc_seal_bytes(plain, sizeof plain, &i, sizeof i,
		                           &sealed[i]) == ENC_OK);
	}
	CHILD_CHECK(within_limit());

	/* Open them four at a time, in a scattered order. */
	for (size_t round = 0; round < SECRETS / AT_ONCE; round++) {
		enc_buffer *opened[AT_ONCE];
		size_t which[AT_ONCE];

		for (size_t k = 0; k < AT_ONCE; k++) {
			which[k] = (round * 7919 + k * 2503) % SECRETS;
			CHILD_CHECK(enc_open(sealed[which[k]], &which[k],
			                     sizeof which[k], 0,
			                     &opened[k]) == ENC_OK);
		}
		for (size_t k = 0; k < AT_ONCE; k++) {
			CHILD_CHECK(check_pattern(enc_data(opened[k]), 32,
			                          which[k]));
		}
		if (round % 100 == 0)
			CHILD_CHECK(within_limit());
		for (size_t k = 0; k < AT_ONCE; k++)
			enc_free(opened[k]);
	}
	CHILD_CHECK(within_limit());

	/* Far beyond the budget: clear errors, no crash. */
	for (size_t i = 0; i < GREEDY; i++) {
		enc_status status;

		greedy[i] = NULL;
		status = enc_alloc(4096, ENC_ALLOC_GUARDED, &greedy[i]);
		if (status == ENC_OK) {
			memset(enc_data(greedy[i]), 0x77, 4096);
			continue;
		}
		CHILD_CHECK(status == ENC_ERR_BUDGET || status == ENC_ERR_LOCK);
		CHILD_CHECK(greedy[i] == NULL);
		failures++;
	}
	CHILD_CHECK(failures > 0);
	CHILD_CHECK(failures < GREEDY); /* some did fit */
	memset(fillers, 0, sizeof fillers);
	CHILD_CHECK(within_limit());
	/* Fill what is left with one-page buffers; then opening into a
	 * guarded buffer fails the same way. */
	for (size_t i = 0; i < GREEDY; i++) {
		enc_status status;

		fillers[i] = NULL;
		status = enc_alloc(1, ENC_ALLOC_GUARDED, &fillers[i]);
		if (status != ENC_OK) {
			CHILD_CHECK(status == ENC_ERR_BUDGET ||
			            status == ENC_ERR_LOCK);
			break;
		}
	}
	{
		enc_buffer *opened = NULL;
		size_t index = 0;
		enc_status status =
		        enc_open(sealed[index], &index, sizeof index,
		                 ENC_ALLOC_GUARDED, &opened);

		CHILD_CHECK(status == ENC_ERR_BUDGET || status == ENC_ERR_LOCK);
		CHILD_CHECK(opened == NULL);
	}
	for (size_t i = 0; i < GREEDY; i++) {
		enc_free(greedy[i]);
		enc_free(fillers[i]);
	}
	CHILD_CHECK(enc_get_stats(&stats) == ENC_OK);
	CHILD_CHECK(stats.guarded_buffers == 0);

	/* Everything works again. */
	for (size_t i = 0; i < SECRETS; i += 101) {
		enc_buffer *opened = NULL;

		CHILD_CHECK(enc_open(sealed[i], &i, sizeof i, 0, &opened) ==
		            ENC_OK);
		CHILD_CHECK(check_pattern(enc_data(opened), 32, i));
		enc_free(opened);
	}
	/* A few guarded buffers fit again (3 x 8 KiB of 64 KiB). */
	for (size_t i = 0; i < 3; i++) {
		greedy[i] = NULL;
		CHILD_CHECK(enc_alloc(4096, ENC_ALLOC_GUARDED, &greedy[i]) ==
		            ENC_OK);
	}
	CHILD_CHECK(within_limit());
	for (size_t i = 0; i < 3; i++)
		enc_free(greedy[i]);
	CHILD_CHECK(within_limit());

	for (size_t i = 0; i < SECRETS; i++)
		enc_sealed_free(sealed[i]);
	free(sealed);
	CHILD_CHECK(enc_get_stats(&stats) == ENC_OK);
	CHILD_CHECK(stats.slab_buffers == 0 && stats.guarded_buffers == 0);
	enc_shutdown();
	return 0;
}

static void test_small_memlock_limit(void **state)
{
	int status = run_in_child(memlock_child, NULL);
	int code = child_exit_code(status);

	if (code == CHILD_SKIP)
		skip();
	if (code != 0)
		fail_msg("child: status 0x%x, exit code %d", status, code);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_small_memlock_limit),
	};

	return cmocka_run_group_tests(tests, enclave_setup, enclave_teardown);
}
