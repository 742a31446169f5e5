/* Shared helpers for the enclave unit tests: enclave setup and teardown for
 * cmocka groups, forked children, death tests, and reading the process's
 * own memory and status. */
#ifndef GUARDHSM_TESTS_ENCLAVE_HELPERS_H
#define GUARDHSM_TESTS_ENCLAVE_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "enclave/enclave.h"

/* Exit code a child uses to say "this test does not apply here". */
#define CHILD_SKIP 77

/* cmocka setup/teardown: enc_init(NULL) and enc_shutdown(). */
int enclave_setup(void **state);
int enclave_teardown(void **state);

/* The page size. */
size_t test_page_size(void);

/* Runs fn(arg) in a forked child, which leaves with _exit(fn's return
 * value) (core dumps off). Returns the raw waitpid status, or -1 if fork
 * or waitpid failed. */
int run_in_child(int (*fn)(void *), void *arg);

/* Child exit code of a status from run_in_child, or -1 if the child did
 * not exit normally. */
int child_exit_code(int status);

typedef enum death_result {
	DEATH_AS_EXPECTED = 0, /* killed by one of the expected signals */
	DEATH_NONE,            /* fn returned: the child exited normally */
	DEATH_EXIT,            /* the child called exit/_exit itself */
	DEATH_OTHER_SIGNAL,    /* killed by a signal not in the list */
	DEATH_NO_CHILD,        /* fork or waitpid failed */
} death_result;

/* Forks; the child runs fn(arg) and leaves with _exit(0) if it returns.
 * The parent waits and says whether the child was killed by one of the
 * count signals. *got (may be NULL) receives the signal or exit code. */
death_result expect_death(void (*fn)(void *), void *arg, const int *signals,
                          size_t count, int *got);

/* Human-readable form of a death_result for failure messages. */
const char *death_result_name(death_result result);

/* Asserts that fn(arg) kills a child with one of the listed signals. */
#define assert_death(fn, arg, ...)                                             \
	do {                                                                   \
		const int death_signals_[] = {__VA_ARGS__};                    \
		int death_got_ = 0;                                            \
		death_result death_result_ = expect_death(                     \
		        (fn), (arg), death_signals_,                           \
		        sizeof death_signals_ / sizeof death_signals_[0],      \
		        &death_got_);                                          \
		if (death_result_ != DEATH_AS_EXPECTED)                        \
			print_error("%s: %s (%d)\n", #fn,                      \
			            death_result_name(death_result_),          \
			            death_got_);                               \
		assert_int_equal(death_result_, DEATH_AS_EXPECTED);            \
	} while (0)

/* In a forked child: leaves with exit code 1 after printing where, if
 * condition is false. cmocka's asserts must not be used in a child. */
#define CHILD_CHECK(condition)                                                 \
	do {                                                                   \
		if (!(condition))                                              \
			child_fail(__FILE__, __LINE__, #condition);            \
	} while (0)

_Noreturn void child_fail(const char *file, int line, const char *what);

/* In a forked child of an initialised enclave: enc_shutdown, then
 * enc_init(config); leaves with exit code 2 if that fails. */
void child_reinit(const enc_config *config);

/* Reads bytes at address through /proc/self/mem, which works whatever the
 * page protection. Returns false if the pages are not mapped. */
bool read_own_memory(const void *address, void *out, size_t bytes);

/* VmLck of /proc/self/status in kB, or -1. */
long vm_locked_kb(void);

/* The stats, or a failed test. */
enc_stats get_stats(void);

/* Fills data with a pattern derived from seed. */
void fill_pattern(void *data, size_t size, uint64_t seed);

/* true if data holds fill_pattern(seed). */
bool check_pattern(const void *data, size_t size, uint64_t seed);

/* true if all size bytes are zero (plain loop, not enc_ct_is_zero). */
bool all_zero(const void *data, size_t size);

/* An unsigned number from the environment, or fallback. */
unsigned long env_number(const char *name, unsigned long fallback);

/* true when running under valgrind. */
bool under_valgrind(void);

#endif /* GUARDHSM_TESTS_ENCLAVE_HELPERS_H */
