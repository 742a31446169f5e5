# Unit tests of the memory enclave (CMocka). One program per concern; all
# link the enclave convenience library and share helpers.c.
#
# ENC_TEST_SECRETS sets the number of sealed secrets test_scale holds
# (default 1000000); ENC_TEST_ITERATIONS the iterations per thread of
# test_threads.

noinst_LTLIBRARIES += tests/unit/enclave/libtesthelpers.la
tests_unit_enclave_libtesthelpers_la_SOURCES = \
	tests/unit/enclave/helpers.c \
	tests/unit/enclave/helpers.h
tests_unit_enclave_libtesthelpers_la_CFLAGS = $(AM_CFLAGS) \
	$(SODIUM_CFLAGS) $(CMOCKA_CFLAGS) -pthread

ENCLAVE_UNIT_TESTS = \
	tests/unit/enclave/test_init \
	tests/unit/enclave/test_guarded \
	tests/unit/enclave/test_slab \
	tests/unit/enclave/test_sealed \
	tests/unit/enclave/test_coffer \
	tests/unit/enclave/test_purge \
	tests/unit/enclave/test_death \
	tests/unit/enclave/test_memlock \
	tests/unit/enclave/test_scale \
	tests/unit/enclave/test_threads \
	tests/unit/enclave/test_fork \
	tests/unit/enclave/test_constant_time \
	tests/unit/enclave/test_harden \
	tests/unit/enclave/test_reprotect

check_PROGRAMS += $(ENCLAVE_UNIT_TESTS)
TESTS += $(ENCLAVE_UNIT_TESTS)

ENCLAVE_TEST_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) $(CMOCKA_CFLAGS) -pthread
ENCLAVE_TEST_LDADD = tests/unit/enclave/libtesthelpers.la \
	src/enclave/libenclave.la $(SODIUM_LIBS) $(CMOCKA_LIBS) -lpthread

tests_unit_enclave_test_init_SOURCES = tests/unit/enclave/test_init.c
tests_unit_enclave_test_init_CFLAGS = $(ENCLAVE_TEST_CFLAGS)
tests_unit_enclave_test_init_LDADD = $(ENCLAVE_TEST_LDADD)

tests_unit_enclave_test_guarded_SOURCES = tests/unit/enclave/test_guarded.c
tests_unit_enclave_test_guarded_CFLAGS = $(ENCLAVE_TEST_CFLAGS)
tests_unit_enclave_test_guarded_LDADD = $(ENCLAVE_TEST_LDADD)

tests_unit_enclave_test_slab_SOURCES = tests/unit/enclave/test_slab.c
tests_unit_enclave_test_slab_CFLAGS = $(ENCLAVE_TEST_CFLAGS)
tests_unit_enclave_test_slab_LDADD = $(ENCLAVE_TEST_LDADD)

tests_unit_enclave_test_sealed_SOURCES = tests/unit/enclave/test_sealed.c
tests_unit_enclave_test_sealed_CFLAGS = $(ENCLAVE_TEST_CFLAGS)
tests_unit_enclave_test_sealed_LDADD = $(ENCLAVE_TEST_LDADD)

tests_unit_enclave_test_coffer_SOURCES = tests/unit/enclave/test_coffer.c
tests_unit_enclave_test_coffer_CFLAGS = $(ENCLAVE_TEST_CFLAGS)
tests_unit_enclave_test_coffer_LDADD = $(ENCLAVE_TEST_LDADD)

tests_unit_enclave_test_purge_SOURCES = tests/unit/enclave/test_purge.c
tests_unit_enclave_test_purge_CFLAGS = $(ENCLAVE_TEST_CFLAGS)
tests_unit_enclave_test_purge_LDADD = $(ENCLAVE_TEST_LDADD)

tests_unit_enclave_test_death_SOURCES = tests/unit/enclave/test_death.c
tests_unit_enclave_test_death_CFLAGS = $(ENCLAVE_TEST_CFLAGS)
tests_unit_enclave_test_death_LDADD = $(ENCLAVE_TEST_LDADD)

tests_unit_enclave_test_memlock_SOURCES = tests/unit/enclave/test_memlock.c
tests_unit_enclave_test_memlock_CFLAGS = $(ENCLAVE_TEST_CFLAGS)
tests_unit_enclave_test_memlock_LDADD = $(ENCLAVE_TEST_LDADD)

tests_unit_enclave_test_scale_SOURCES = tests/unit/enclave/test_scale.c
tests_unit_enclave_test_scale_CFLAGS = $(ENCLAVE_TEST_CFLAGS)
tests_unit_enclave_test_scale_LDADD = $(ENCLAVE_TEST_LDADD)

tests_unit_enclave_test_threads_SOURCES = tests/unit/enclave/test_threads.c
tests_unit_enclave_test_threads_CFLAGS = $(ENCLAVE_TEST_CFLAGS)
tests_unit_enclave_test_threads_LDADD = $(ENCLAVE_TEST_LDADD)

tests_unit_enclave_test_fork_SOURCES = tests/unit/enclave/test_fork.c
tests_unit_enclave_test_fork_CFLAGS = $(ENCLAVE_TEST_CFLAGS)
tests_unit_enclave_test_fork_LDADD = $(ENCLAVE_TEST_LDADD)

tests_unit_enclave_test_constant_time_SOURCES = \
	tests/unit/enclave/test_constant_time.c
tests_unit_enclave_test_constant_time_CFLAGS = $(ENCLAVE_TEST_CFLAGS)
tests_unit_enclave_test_constant_time_LDADD = $(ENCLAVE_TEST_LDADD)

tests_unit_enclave_test_harden_SOURCES = tests/unit/enclave/test_harden.c
tests_unit_enclave_test_harden_CFLAGS = $(ENCLAVE_TEST_CFLAGS)
tests_unit_enclave_test_harden_LDADD = $(ENCLAVE_TEST_LDADD)

tests_unit_enclave_test_reprotect_SOURCES = tests/unit/enclave/test_reprotect.c
tests_unit_enclave_test_reprotect_CFLAGS = $(ENCLAVE_TEST_CFLAGS)
tests_unit_enclave_test_reprotect_LDADD = $(ENCLAVE_TEST_LDADD)
# Counts the enclave's mprotect calls.
tests_unit_enclave_test_reprotect_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=mprotect

# Death tests need real signals: under AddressSanitizer, leave SIGSEGV,
# SIGBUS and SIGABRT to the kernel.
ENCLAVE_ASAN_OPTIONS = handle_segv=0:handle_sigbus=0:handle_abort=0
AM_TESTS_ENVIRONMENT = \
	ASAN_OPTIONS="$(ENCLAVE_ASAN_OPTIONS):$${ASAN_OPTIONS}"; \
	export ASAN_OPTIONS;

# `make check-valgrind-enclave`: every enclave test under valgrind, with a
# smaller scale test (ENC_TEST_SECRETS=20000).
.PHONY: check-valgrind-enclave
check-valgrind-enclave: $(ENCLAVE_UNIT_TESTS)
	@failed=""; for t in $(ENCLAVE_UNIT_TESTS); do \
		echo "== valgrind $$t"; \
		ENC_TEST_SECRETS=20000 $(LIBTOOL) --mode=execute \
			$(VALGRIND) --error-exitcode=1 --leak-check=full \
			--errors-for-leak-kinds=definite --quiet ./$$t \
			|| failed="$$failed $$t"; \
	done; \
	if test -n "$$failed"; then echo "FAILED:$$failed"; exit 1; fi
