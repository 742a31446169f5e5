# Unit tests of the token object model (CMocka), one program per concern.
# They need only the enclave besides the token library (no store calls).

noinst_LTLIBRARIES += tests/unit/token/libtokenhelpers.la
tests_unit_token_libtokenhelpers_la_SOURCES = \
	tests/unit/token/helpers.c \
	tests/unit/token/helpers.h
tests_unit_token_libtokenhelpers_la_CFLAGS = $(AM_CFLAGS) \
	$(SODIUM_CFLAGS) $(P11KIT_CFLAGS) $(CMOCKA_CFLAGS)

TOKEN_UNIT_TESTS = \
	tests/unit/token/test_create \
	tests/unit/token/test_get \
	tests/unit/token/test_modify \
	tests/unit/token/test_find \
	tests/unit/token/test_encoding \
	tests/unit/token/test_defaults

check_PROGRAMS += $(TOKEN_UNIT_TESTS)
TESTS += $(TOKEN_UNIT_TESTS)

TOKEN_TEST_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) $(P11KIT_CFLAGS) \
	$(CMOCKA_CFLAGS)
TOKEN_TEST_LDADD = tests/unit/token/libtokenhelpers.la \
	src/token/libtoken.la src/enclave/libenclave.la \
	$(SODIUM_LIBS) $(CMOCKA_LIBS) -lpthread

tests_unit_token_test_create_SOURCES = tests/unit/token/test_create.c
tests_unit_token_test_create_CFLAGS = $(TOKEN_TEST_CFLAGS)
tests_unit_token_test_create_LDADD = $(TOKEN_TEST_LDADD)

tests_unit_token_test_get_SOURCES = tests/unit/token/test_get.c
tests_unit_token_test_get_CFLAGS = $(TOKEN_TEST_CFLAGS)
tests_unit_token_test_get_LDADD = $(TOKEN_TEST_LDADD)

tests_unit_token_test_modify_SOURCES = tests/unit/token/test_modify.c
tests_unit_token_test_modify_CFLAGS = $(TOKEN_TEST_CFLAGS)
tests_unit_token_test_modify_LDADD = $(TOKEN_TEST_LDADD)

tests_unit_token_test_find_SOURCES = tests/unit/token/test_find.c
tests_unit_token_test_find_CFLAGS = $(TOKEN_TEST_CFLAGS)
tests_unit_token_test_find_LDADD = $(TOKEN_TEST_LDADD)

tests_unit_token_test_encoding_SOURCES = tests/unit/token/test_encoding.c
tests_unit_token_test_encoding_CFLAGS = $(TOKEN_TEST_CFLAGS)
tests_unit_token_test_encoding_LDADD = $(TOKEN_TEST_LDADD)

tests_unit_token_test_defaults_SOURCES = tests/unit/token/test_defaults.c
tests_unit_token_test_defaults_CFLAGS = $(TOKEN_TEST_CFLAGS)
tests_unit_token_test_defaults_LDADD = $(TOKEN_TEST_LDADD)

# `make check-valgrind-token`: the token tests under valgrind.
.PHONY: check-valgrind-token
check-valgrind-token: $(TOKEN_UNIT_TESTS)
	@for t in $(TOKEN_UNIT_TESTS); do \
		echo "== valgrind $$t"; \
		$(LIBTOOL) --mode=execute \
			$(VALGRIND) --error-exitcode=1 --leak-check=full \
			--errors-for-leak-kinds=definite --quiet ./$$t \
			|| exit 1; \
	done
