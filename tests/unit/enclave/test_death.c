/* Death tests: guard pages, page protection and canaries stop the process.
 * Each case runs in a forked child that starts its own enclave; the parent
 * checks the signal that killed it. Every canary case has a control that
 * runs the same steps without the corruption and must survive. */
#include "config.h"

#include "helpers.h"

#include "enclave/internal.h"

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

typedef struct death_case {
	size_t size;
	unsigned flags;
	bool corrupt; /* false: the control run */
} death_case;

/* A buffer in a fresh enclave of this child. */
static enc_buffer *child_buffer(size_t size, unsigned flags)
{
	enc_buffer *buffer = NULL;

	child_reinit(NULL);
	CHILD_CHECK(enc_alloc(size, flags, &buffer) == ENC_OK);
	return buffer;
}

static void flip(volatile unsigned char *byte)
{
	*byte = (unsigned char)(*byte ^ 0xff);
}

/* ---- The helper itself ------------------------------------------------ */

static void returns_normally(void *arg)
{
	(void)arg;
}

static void exits_with_three(void *arg)
{
	_exit(3);
}

static void raises(void *arg)
{
	raise(*(const int *)arg);
}

static void test_helper_reports_no_death(void **state)
{
	const int segv[] = {SIGSEGV, SIGBUS};
	int got = -1;
	int signal_number = SIGSEGV;

	assert_int_equal(expect_death(returns_normally, NULL, segv, 2, &got),
	                 DEATH_NONE);
	assert_int_equal(expect_death(exits_with_three, NULL, segv, 2, &got),
	                 DEATH_EXIT);
	assert_int_equal(got, 3);
	signal_number = SIGABRT;
	assert_int_equal(expect_death(raises, &signal_number, segv, 2, &got),
	                 DEATH_OTHER_SIGNAL);
	assert_int_equal(got, SIGABRT);
	signal_number = SIGBUS;
	assert_int_equal(expect_death(raises, &signal_number, segv, 2, &got),
	                 DEATH_AS_EXPECTED);
	assert_int_equal(got, SIGBUS);
}

/* ---- Guard pages ------------------------------------------------------ */

static void overrun_one_byte(void *arg)
{
	const death_case *which = arg;
	enc_buffer *buffer = child_buffer(which->size, which->flags);
	volatile unsigned char *data = enc_data(buffer);

	data[which->size - 1] = 1; /* the last byte is fine */
	if (which->corrupt)
		data[which->size] = 1;
	enc_free(buffer);
}

static void test_overrun_hits_guard_page(void **state)
{
	death_case small = {100, ENC_ALLOC_GUARDED, true};
	death_case page = {4096, ENC_ALLOC_GUARDED, true};
	death_case large = {5000, 0, true};
	death_case control = {100, ENC_ALLOC_GUARDED, false};

	assert_death(overrun_one_byte, &small, SIGSEGV, SIGBUS);
	assert_death(overrun_one_byte, &page, SIGSEGV, SIGBUS);
	assert_death(overrun_one_byte, &large, SIGSEGV, SIGBUS);
	assert_int_equal(expect_death(overrun_one_byte, &control,
	                              (const int[]){SIGSEGV, SIGBUS}, 2, NULL),
	                 DEATH_NONE);
}

static void underrun_into_leading_guard(void *arg)
{
	const death_case *which = arg;
	enc_buffer *buffer = child_buffer(which->size, which->flags);
	const enc_region *region = &buffer->u.guarded.region;
	volatile unsigned char *first = region->interior;
	volatile unsigned char sink;

	CHILD_CHECK(buffer->kind == ENC_KIND_GUARDED);
	CHILD_CHECK((unsigned char *)enc_data(buffer) >= region->interior);
	sink = first[0]; /* the first usable byte is readable */
	if (which->corrupt)
		sink = first[-1];
	(void)sink;
	enc_free(buffer);
}

static void test_underrun_hits_guard_page(void **state)
{
	death_case small = {100, ENC_ALLOC_GUARDED, true};
	death_case large = {10000, 0, true};
	death_case control = {100, ENC_ALLOC_GUARDED, false};

	assert_death(underrun_into_leading_guard, &small, SIGSEGV, SIGBUS);
	assert_death(underrun_into_leading_guard, &large, SIGSEGV, SIGBUS);
	assert_int_equal(expect_death(underrun_into_leading_guard, &control,
	                              (const int[]){SIGSEGV, SIGBUS}, 2, NULL),
	                 DEATH_NONE);
}

/* ---- Page protection -------------------------------------------------- */

static void write_readonly(void *arg)
{
	const death_case *which = arg;
	enc_buffer *buffer = child_buffer(which->size, which->flags);
	volatile unsigned char *data = enc_data(buffer);

	data[0] = 1;
	CHILD_CHECK(enc_protect(buffer, ENC_READONLY) == ENC_OK);
	CHILD_CHECK(data[0] == 1); /* reading is fine */
	if (which->corrupt)
		data[0] = 2;
	enc_free(buffer);
}

static void read_noaccess(void *arg)
{
	const death_case *which = arg;
	enc_buffer *buffer = child_buffer(which->size, which->flags);
	volatile unsigned char *data = enc_data(buffer);
	volatile unsigned char sink;

	data[0] = 1;
	CHILD_CHECK(enc_protect(buffer, ENC_NOACCESS) == ENC_OK);
	if (which->corrupt)
		sink = data[0];
	else
		CHILD_CHECK(enc_protect(buffer, ENC_READONLY) == ENC_OK);
	sink = data[0];
	(void)sink;
	enc_free(buffer);
}

static void test_readonly_write_faults(void **state)
{
	death_case guarded = {64, ENC_ALLOC_GUARDED, true};
	death_case large = {8192, 0, true};
	/* Alone in a fresh slab: its pages follow its state. */
	death_case slab = {64, 0, true};
	death_case control = {64, ENC_ALLOC_GUARDED, false};

	assert_death(write_readonly, &guarded, SIGSEGV);
	assert_death(write_readonly, &large, SIGSEGV);
	assert_death(write_readonly, &slab, SIGSEGV);
	assert_int_equal(expect_death(write_readonly, &control,
	                              (const int[]){SIGSEGV}, 1, NULL),
	                 DEATH_NONE);
}

static void test_noaccess_read_faults(void **state)
{
	death_case guarded = {64, ENC_ALLOC_GUARDED, true};
	death_case large = {8192, 0, true};
	death_case control = {64, ENC_ALLOC_GUARDED, false};

	assert_death(read_noaccess, &guarded, SIGSEGV);
	assert_death(read_noaccess, &large, SIGSEGV);
	assert_int_equal(expect_death(read_noaccess, &control,
	                              (const int[]){SIGSEGV}, 1, NULL),
	                 DEATH_NONE);
}

/* A neighbour on the same slab page is opened, written and freed (the page
 * may then stay open while nothing lives on it): the resting buffer must
 * still fault, because a live buffer keeps its page closed. */
static void read_noaccess_after_neighbour(void *arg)
{
	const death_case *which = arg;
	enc_buffer *buffer = child_buffer(which->size, which->flags);
	volatile unsigned char *data = enc_data(buffer);
	volatile unsigned char sink;
	enc_buffer *neighbour = NULL;

	data[0] = 1;
	CHILD_CHECK(enc_protect(buffer, ENC_NOACCESS) == ENC_OK);
	for (int round = 0; round < 3; round++) {
		CHILD_CHECK(enc_alloc(which->size, 0, &neighbour) == ENC_OK);
		memset(enc_data(neighbour), 0x5a, which->size);
		enc_free(neighbour);
	}
	if (!which->corrupt)
		CHILD_CHECK(enc_protect(buffer, ENC_READONLY) == ENC_OK);
	sink = data[0];
	(void)sink;
	enc_free(buffer);
}

static void test_slab_resting_neighbour_faults(void **state)
{
	death_case small = {32, 0, true};
	death_case control = {32, 0, false};

	assert_death(read_noaccess_after_neighbour, &small, SIGSEGV);
	assert_int_equal(expect_death(read_noaccess_after_neighbour, &control,
	                              (const int[]){SIGSEGV}, 1, NULL),
	                 DEATH_NONE);
}

/* The key page holding the split key's halves rests no-access, whether a
 * protection key or mprotect guards it. */
static void read_key_page(void *arg)
{
	const death_case *which = arg;
	enc_buffer *buffer = child_buffer(16, 0); /* a fresh enclave */
	const volatile unsigned char *page = enc_coffer_page();
	volatile unsigned char sink;
	enc_free(buffer);
	if (!which->corrupt)
		return; /* control: everything but the read */
	sink = page[0];
	(void)sink;
}

static void *read_key_page_thread(void *arg)
{
	const volatile unsigned char *page = arg;
	volatile unsigned char sink = page[0];
	(void)sink;
	return NULL;
}

static void read_key_page_from_thread(void *arg)
{
	const death_case *which = arg;
	enc_buffer *buffer = child_buffer(16, 0);
	enc_free(buffer);
	if (!which->corrupt)
		return;
	pthread_t thread;
	CHILD_CHECK(pthread_create(&thread, NULL, read_key_page_thread,
	                           (void *)enc_coffer_page()) == 0);
	pthread_join(thread, NULL);
}

static void test_key_page_rests_noaccess(void **state)
{
	death_case read = {16, 0, true};
	death_case control = {16, 0, false};

	assert_death(read_key_page, &read, SIGSEGV);
	assert_death(read_key_page_from_thread, &read, SIGSEGV);
	assert_int_equal(expect_death(read_key_page, &control,
	                              (const int[]){SIGSEGV}, 1, NULL),
	                 DEATH_NONE);
}

static void test_slab_alone_noaccess_read_faults(void **state)
{
	death_case small = {32, 0, true};
	death_case page = {4096, 0, true};
	death_case control = {32, 0, false};

	assert_death(read_noaccess, &small, SIGSEGV);
	assert_death(read_noaccess, &page, SIGSEGV);
	assert_int_equal(expect_death(read_noaccess, &control,
	                              (const int[]){SIGSEGV}, 1, NULL),
	                 DEATH_NONE);
}

/* ---- Canaries --------------------------------------------------------- */

/* Corrupts the byte just before the data (the slack canary of a guarded
 * buffer), then frees. */
static void guarded_canary_then_free(void *arg)
{
	const death_case *which = arg;
	enc_buffer *buffer = child_buffer(which->size, which->flags);
	volatile unsigned char *data = enc_data(buffer);

	CHILD_CHECK(buffer->kind == ENC_KIND_GUARDED);
	memset(enc_data(buffer), 0x11, which->size);
	if (which->corrupt)
		flip(&data[-1]);
	enc_free(buffer);
}

/* Corrupts the byte just after the data: the slot's trailing canary in
 * the slab, the alignment padding with ENC_ALLOC_ALIGNED. Then frees or
 * verifies (flags bit 31). */
#define VERIFY_INSTEAD 0x80000000u

static void trailing_canary(void *arg)
{
	const death_case *which = arg;
	unsigned flags = which->flags & ~VERIFY_INSTEAD;
	enc_buffer *buffer = child_buffer(which->size, flags);
	volatile unsigned char *data = enc_data(buffer);

	memset(enc_data(buffer), 0x22, which->size);
	if (which->corrupt)
		flip(&data[which->size]);
	if (which->flags & VERIFY_INSTEAD) {
		CHILD_CHECK(enc_verify(buffer) == ENC_OK);
		_exit(0); /* the control, without enc_free: nothing to lose */
	}
	enc_free(buffer);
}

/* A 300-byte buffer sits flush at the end of a 512-byte slab slot: the
 * 212 bytes before it are canary (checked in whole 16-byte runs, then a
 * 4-byte tail). Corrupts the byte `back` bytes before the data. */
typedef struct slack_case {
	size_t back; /* 0: the control */
} slack_case;

static void leading_slack_then_free(void *arg)
{
	const slack_case *which = arg;
	enc_buffer *buffer = child_buffer(300, 0);
	volatile unsigned char *data = enc_data(buffer);

	CHILD_CHECK(buffer->kind == ENC_KIND_SLAB);
	memset(enc_data(buffer), 0x33, 300);
	if (which->back > 0)
		flip(&data[-(ptrdiff_t)which->back]);
	enc_free(buffer);
}

static void test_slab_leading_slack_canary(void **state)
{
	/* The last byte, one inside a whole run, the tail's first byte and
	 * the slot's first byte. */
	static const slack_case cases[] = {{1}, {105}, {4}, {212}};
	slack_case control = {0};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_death(leading_slack_then_free, (void *)&cases[i],
		             SIGABRT);
	assert_int_equal(expect_death(leading_slack_then_free, &control,
	                              (const int[]){SIGABRT}, 1, NULL),
	                 DEATH_NONE);
}

static void test_guarded_canary_before_data(void **state)
{
	death_case plain = {100, ENC_ALLOC_GUARDED, true};
	death_case aligned = {100, ENC_ALLOC_GUARDED | ENC_ALLOC_ALIGNED, true};
	death_case large = {6000, 0, true};
	death_case control = {100, ENC_ALLOC_GUARDED, false};

	assert_death(guarded_canary_then_free, &plain, SIGABRT);
	assert_death(guarded_canary_then_free, &aligned, SIGABRT);
	assert_death(guarded_canary_then_free, &large, SIGABRT);
	assert_int_equal(expect_death(guarded_canary_then_free, &control,
	                              (const int[]){SIGABRT}, 1, NULL),
	                 DEATH_NONE);
}

static void test_slab_trailing_canary_on_free(void **state)
{
	death_case small = {32, 0, true};
	death_case odd = {1, 0, true};
	death_case page = {4096, 0, true};
	death_case control = {32, 0, false};

	assert_death(trailing_canary, &small, SIGABRT);
	assert_death(trailing_canary, &odd, SIGABRT);
	assert_death(trailing_canary, &page, SIGABRT);
	assert_int_equal(expect_death(trailing_canary, &control,
	                              (const int[]){SIGABRT}, 1, NULL),
	                 DEATH_NONE);
}

static void test_slab_trailing_canary_on_verify(void **state)
{
	death_case small = {32, VERIFY_INSTEAD, true};
	death_case control = {32, VERIFY_INSTEAD, false};
	int got = 0;

	assert_death(trailing_canary, &small, SIGABRT);
	assert_int_equal(expect_death(trailing_canary, &control,
	                              (const int[]){SIGABRT}, 1, &got),
	                 DEATH_EXIT);
	assert_int_equal(got, 0);
}

/* With ENC_ALLOC_ALIGNED an overrun into the alignment padding is caught
 * by the canary check (enclave.h). */
static void test_aligned_overrun_caught_by_canary(void **state)
{
	death_case guarded = {17, ENC_ALLOC_GUARDED | ENC_ALLOC_ALIGNED, true};
	death_case slab = {17, ENC_ALLOC_ALIGNED, true};
	death_case verify = {
	        17, ENC_ALLOC_GUARDED | ENC_ALLOC_ALIGNED | VERIFY_INSTEAD,
	        true};
	death_case control = {17, ENC_ALLOC_GUARDED | ENC_ALLOC_ALIGNED, false};

	assert_death(trailing_canary, &guarded, SIGABRT);
	assert_death(trailing_canary, &slab, SIGABRT);
	assert_death(trailing_canary, &verify, SIGABRT);
	assert_int_equal(expect_death(trailing_canary, &control,
	                              (const int[]){SIGABRT}, 1, NULL),
	                 DEATH_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_helper_reports_no_death),
	        cmocka_unit_test(test_overrun_hits_guard_page),
	        cmocka_unit_test(test_underrun_hits_guard_page),
	        cmocka_unit_test(test_readonly_write_faults),
	        cmocka_unit_test(test_noaccess_read_faults),
	        cmocka_unit_test(test_slab_alone_noaccess_read_faults),
	        cmocka_unit_test(test_slab_resting_neighbour_faults),
	        cmocka_unit_test(test_key_page_rests_noaccess),
	        cmocka_unit_test(test_guarded_canary_before_data),
	        cmocka_unit_test(test_slab_trailing_canary_on_free),
	        cmocka_unit_test(test_slab_leading_slack_canary),
	        cmocka_unit_test(test_slab_trailing_canary_on_verify),
	        cmocka_unit_test(test_aligned_overrun_caught_by_canary),
	};

	return cmocka_run_group_tests(tests, enclave_setup, enclave_teardown);
}
