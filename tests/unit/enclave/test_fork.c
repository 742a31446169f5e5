/* fork(): the child sees none of the parent's plaintext (MADV_WIPEONFORK,
 * or no mapping at all with memfd_secret), its enclave is disabled until
 * enc_shutdown() + enc_init(), and after that it cannot open the parent's
 * sealed secrets. */
#include "config.h"

#include "helpers.h"

#include <signal.h>
#include <string.h>

#define SECRET_BYTES 64

typedef struct parent_state {
	enc_buffer *slab;    /* READONLY, known bytes */
	enc_buffer *guarded; /* READONLY, known bytes */
	enc_sealed *sealed;
} parent_state;

static void make_parent_state(parent_state *parent)
{
	unsigned char plain[SECRET_BYTES];

	memset(parent, 0, sizeof *parent);
	assert_int_equal(enc_alloc(SECRET_BYTES, 0, &parent->slab), ENC_OK);
	assert_int_equal(
	        enc_alloc(SECRET_BYTES, ENC_ALLOC_GUARDED, &parent->guarded),
	        ENC_OK);
	fill_pattern(enc_data(parent->slab), SECRET_BYTES, 1);
	fill_pattern(enc_data(parent->guarded), SECRET_BYTES, 2);
	assert_int_equal(enc_protect(parent->slab, ENC_READONLY), ENC_OK);
	assert_int_equal(enc_protect(parent->guarded, ENC_READONLY), ENC_OK);
	fill_pattern(plain, sizeof plain, 3);
	assert_int_equal(
	        enc_seal_bytes(plain, sizeof plain, NULL, 0, &parent->sealed),
	        ENC_OK);
}

/* The parent still has everything after the child is gone. */
static void check_and_free_parent_state(parent_state *parent)
{
	enc_buffer *opened = NULL;

	assert_true(check_pattern(enc_data(parent->slab), SECRET_BYTES, 1));
	assert_true(check_pattern(enc_data(parent->guarded), SECRET_BYTES, 2));
	assert_int_equal(enc_open(parent->sealed, NULL, 0, 0, &opened), ENC_OK);
	assert_true(check_pattern(enc_data(opened), SECRET_BYTES, 3));
	enc_free(opened);
	enc_free(parent->slab);
	enc_free(parent->guarded);
	enc_sealed_free(parent->sealed);
}

static int child_after_fork(void *arg)
{
	parent_state *parent = arg;
	enc_buffer *buffer = NULL;
	enc_buffer *opened = NULL;
	enc_sealed *sealed = NULL;
	unsigned char plain[32] = {42};
	enc_stats stats;
	enc_status status;

	/* The pages are there (READONLY) but wiped. */
	CHILD_CHECK(all_zero(enc_data(parent->slab), SECRET_BYTES));
	CHILD_CHECK(all_zero(enc_data(parent->guarded), SECRET_BYTES));

	/* The enclave refuses to work. */
	CHILD_CHECK(enc_alloc(32, 0, &buffer) == ENC_ERR_FORKED);
	CHILD_CHECK(buffer == NULL);
	CHILD_CHECK(enc_open(parent->sealed, NULL, 0, 0, &opened) ==
	            ENC_ERR_FORKED);
	CHILD_CHECK(opened == NULL);
	CHILD_CHECK(enc_seal_bytes(plain, sizeof plain, NULL, 0, &sealed) ==
	            ENC_ERR_FORKED);
	CHILD_CHECK(enc_protect(parent->slab, ENC_READWRITE) == ENC_ERR_FORKED);
	/* Nested init does not bring it back either. */
	CHILD_CHECK(enc_init(NULL) == ENC_ERR_FORKED);

	/* Restarted, it works with fresh secrets. */
	enc_shutdown();
	CHILD_CHECK(enc_init(NULL) == ENC_OK);
	CHILD_CHECK(enc_get_stats(&stats) == ENC_OK);
	CHILD_CHECK(stats.slab_buffers == 0 && stats.guarded_buffers == 0);
	CHILD_CHECK(enc_alloc(32, 0, &buffer) == ENC_OK);
	CHILD_CHECK(all_zero(enc_data(buffer), 32));
	fill_pattern(enc_data(buffer), 32, 5);
	CHILD_CHECK(enc_seal(buffer, NULL, 0, &sealed) == ENC_OK);
	CHILD_CHECK(enc_open(sealed, NULL, 0, 0, &opened) == ENC_OK);
	CHILD_CHECK(check_pattern(enc_data(opened), 32, 5));
	enc_free(opened);
	opened = NULL;
	enc_free(buffer);
	enc_sealed_free(sealed);

	/* The parent's sealed secret is not readable with the child's key. */
	status = enc_open(parent->sealed, NULL, 0, 0, &opened);
	CHILD_CHECK(status == ENC_ERR_PURGED || status == ENC_ERR_AUTH);
	CHILD_CHECK(opened == NULL);
	enc_shutdown();
	return 0;
}

static void test_child_sees_nothing(void **state)
{
	parent_state parent;
	int status;

	make_parent_state(&parent);
	status = run_in_child(child_after_fork, &parent);
	if (child_exit_code(status) != 0)
		fail_msg("child: status 0x%x", status);
	check_and_free_parent_state(&parent);
}

/* The child of a restarted child is protected the same way. */
static int restarted_child(void *arg)
{
	parent_state own;
	unsigned char plain[SECRET_BYTES];
	int status;

	child_reinit(NULL);
	memset(&own, 0, sizeof own);
	CHILD_CHECK(enc_alloc(SECRET_BYTES, 0, &own.slab) == ENC_OK);
	CHILD_CHECK(enc_alloc(SECRET_BYTES, ENC_ALLOC_GUARDED, &own.guarded) ==
	            ENC_OK);
	fill_pattern(enc_data(own.slab), SECRET_BYTES, 1);
	fill_pattern(enc_data(own.guarded), SECRET_BYTES, 2);
	CHILD_CHECK(enc_protect(own.slab, ENC_READONLY) == ENC_OK);
	CHILD_CHECK(enc_protect(own.guarded, ENC_READONLY) == ENC_OK);
	fill_pattern(plain, sizeof plain, 3);
	CHILD_CHECK(enc_seal_bytes(plain, sizeof plain, NULL, 0, &own.sealed) ==
	            ENC_OK);

	status = run_in_child(child_after_fork, &own);
	CHILD_CHECK(child_exit_code(status) == 0);
	CHILD_CHECK(check_pattern(enc_data(own.slab), SECRET_BYTES, 1));
	enc_free(own.slab);
	enc_free(own.guarded);
	enc_sealed_free(own.sealed);
	enc_shutdown();
	return 0;
}

static void test_fork_after_reinit(void **state)
{
	int status = run_in_child(restarted_child, NULL);

	if (child_exit_code(status) != 0)
		fail_msg("child: status 0x%x", status);
}

/* ---- memfd_secret ------------------------------------------------------- */

static bool secretmem_started;

static int secretmem_setup(void **state)
{
	enc_config config;
	enc_status status;

	enc_config_default(&config);
	config.secretmem = ENC_SECRETMEM_REQUIRE;
	status = enc_init(&config);
	secretmem_started = status == ENC_OK;
	if (status != ENC_OK && status != ENC_ERR_UNSUPPORTED) {
		print_error("enc_init: %s\n", enc_strerror(status));
		return -1;
	}
	return 0;
}

static int secretmem_teardown(void **state)
{
	if (secretmem_started)
		enc_shutdown();
	secretmem_started = false;
	return 0;
}

static void read_first_byte(void *arg)
{
	volatile unsigned char *data = arg;
	volatile unsigned char sink = data[0];

	(void)sink;
}

static void test_secretmem_absent_in_child(void **state)
{
	enc_buffer *buffer = NULL;
	enc_buffer *guarded = NULL;
	enc_stats stats;

	if (!secretmem_started)
		skip();
	stats = get_stats();
	assert_true(stats.secretmem);
	assert_int_equal(enc_alloc(SECRET_BYTES, 0, &buffer), ENC_OK);
	fill_pattern(enc_data(buffer), SECRET_BYTES, 9);
	assert_int_equal(enc_protect(buffer, ENC_READONLY), ENC_OK);
	/* The control: the parent reads it. */
	read_first_byte(enc_data(buffer));
	assert_true(check_pattern(enc_data(buffer), SECRET_BYTES, 9));

	assert_death(read_first_byte, enc_data(buffer), SIGSEGV, SIGBUS);

	/* Guarded buffers are still wiped on fork. */
	assert_int_equal(enc_alloc(SECRET_BYTES, ENC_ALLOC_GUARDED, &guarded),
	                 ENC_OK);
	memset(enc_data(guarded), 0x3c, SECRET_BYTES);
	{
		int status;
		parent_state parent;

		memset(&parent, 0, sizeof parent);
		parent.slab = guarded;
		parent.guarded = guarded;
		assert_int_equal(
		        enc_seal_bytes("x", 1, NULL, 0, &parent.sealed),
		        ENC_OK);
		status = run_in_child(child_after_fork, &parent);
		if (child_exit_code(status) != 0)
			fail_msg("child: status 0x%x", status);
		enc_sealed_free(parent.sealed);
	}
	assert_int_equal(((unsigned char *)enc_data(guarded))[0], 0x3c);
	enc_free(guarded);
	enc_free(buffer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_child_sees_nothing,
	                                        enclave_setup,
	                                        enclave_teardown),
	        cmocka_unit_test_setup_teardown(test_fork_after_reinit,
	                                        enclave_setup,
	                                        enclave_teardown),
	        cmocka_unit_test_setup_teardown(test_secretmem_absent_in_child,
	                                        secretmem_setup,
	                                        secretmem_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
