# Integration tests of the PKCS#11 module through its ABI (CMocka). Each
# program dlopen()s the REAL module, as a client does (it does not link
# it): $GUARDHSM_MODULE, else the build tree's .libs/guardhsm.so. They share
# p11_harness.c (one fresh store and config per test) and p11_material.c
# (an embedded P-256 key and certificate). pkcs11_tool.sh drives the module
# with OpenSC's pkcs11-tool (skipped, exit 77, if that is not installed).

noinst_LTLIBRARIES += tests/integration/libp11harness.la
tests_integration_libp11harness_la_SOURCES = \
	tests/integration/p11_harness.c \
	tests/integration/p11_harness.h \
	tests/integration/p11_material.c
tests_integration_libp11harness_la_CFLAGS = $(INTEGRATION_TEST_CFLAGS)

INTEGRATION_C_TESTS = \
	tests/integration/test_p11_interface \
	tests/integration/test_p11_tokens \
	tests/integration/test_p11_login \
	tests/integration/test_p11_sessions \
	tests/integration/test_p11_objects \
	tests/integration/test_p11_find \
	tests/integration/test_p11_find_rows \
	tests/integration/test_p11_find_lazy \
	tests/integration/test_p11_multiprocess \
	tests/integration/test_p11_crash \
	tests/integration/test_p11_corrupt \
	tests/integration/test_p11_fork \
	tests/integration/test_p11_external \
	tests/integration/test_p11_batch

INTEGRATION_TESTS = $(INTEGRATION_C_TESTS) tests/integration/pkcs11_tool.sh

check_PROGRAMS += $(INTEGRATION_C_TESTS)
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += tests/integration/pkcs11_tool.sh tests/integration/pkcs11_tool_lib.sh

# The shell test runs under $(SHELL); the build directory is its working
# directory, from which it finds the module unless GUARDHSM_MODULE is set.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)

INTEGRATION_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(P11KIT_CFLAGS) \
	-pthread \
	-DGUARDHSM_MODULE_PATH='"$(abs_top_builddir)/src/pkcs11/.libs/guardhsm.so"'
INTEGRATION_TEST_LDADD = tests/integration/libp11harness.la \
	$(CMOCKA_LIBS) -ldl -lpthread

tests_integration_test_p11_interface_SOURCES = \
	tests/integration/test_p11_interface.c
tests_integration_test_p11_interface_CFLAGS = $(INTEGRATION_TEST_CFLAGS)
tests_integration_test_p11_interface_LDADD = $(INTEGRATION_TEST_LDADD)
EXTRA_tests_integration_test_p11_interface_DEPENDENCIES = src/pkcs11/guardhsm.la

tests_integration_test_p11_tokens_SOURCES = tests/integration/test_p11_tokens.c
tests_integration_test_p11_tokens_CFLAGS = $(INTEGRATION_TEST_CFLAGS)
tests_integration_test_p11_tokens_LDADD = $(INTEGRATION_TEST_LDADD)
EXTRA_tests_integration_test_p11_tokens_DEPENDENCIES = src/pkcs11/guardhsm.la

tests_integration_test_p11_login_SOURCES = tests/integration/test_p11_login.c
tests_integration_test_p11_login_CFLAGS = $(INTEGRATION_TEST_CFLAGS)
tests_integration_test_p11_login_LDADD = $(INTEGRATION_TEST_LDADD)
EXTRA_tests_integration_test_p11_login_DEPENDENCIES = src/pkcs11/guardhsm.la

tests_integration_test_p11_sessions_SOURCES = \
	tests/integration/test_p11_sessions.c
tests_integration_test_p11_sessions_CFLAGS = $(INTEGRATION_TEST_CFLAGS)
tests_integration_test_p11_sessions_LDADD = $(INTEGRATION_TEST_LDADD)
EXTRA_tests_integration_test_p11_sessions_DEPENDENCIES = src/pkcs11/guardhsm.la

tests_integration_test_p11_objects_SOURCES = \
	tests/integration/test_p11_objects.c
tests_integration_test_p11_objects_CFLAGS = $(INTEGRATION_TEST_CFLAGS)
tests_integration_test_p11_objects_LDADD = $(INTEGRATION_TEST_LDADD)
EXTRA_tests_integration_test_p11_objects_DEPENDENCIES = src/pkcs11/guardhsm.la

tests_integration_test_p11_find_SOURCES = tests/integration/test_p11_find.c
tests_integration_test_p11_find_CFLAGS = $(INTEGRATION_TEST_CFLAGS)
tests_integration_test_p11_find_LDADD = $(INTEGRATION_TEST_LDADD)
EXTRA_tests_integration_test_p11_find_DEPENDENCIES = src/pkcs11/guardhsm.la

tests_integration_test_p11_find_lazy_SOURCES = \
	tests/integration/test_p11_find_lazy.c
tests_integration_test_p11_find_lazy_CFLAGS = $(INTEGRATION_TEST_CFLAGS)
tests_integration_test_p11_find_lazy_LDADD = $(INTEGRATION_TEST_LDADD)
EXTRA_tests_integration_test_p11_find_lazy_DEPENDENCIES = \
	src/pkcs11/guardhsm.la

tests_integration_test_p11_multiprocess_SOURCES = \
	tests/integration/test_p11_multiprocess.c
tests_integration_test_p11_multiprocess_CFLAGS = $(INTEGRATION_TEST_CFLAGS)
tests_integration_test_p11_multiprocess_LDADD = $(INTEGRATION_TEST_LDADD)
EXTRA_tests_integration_test_p11_multiprocess_DEPENDENCIES = \
	src/pkcs11/guardhsm.la

tests_integration_test_p11_batch_SOURCES = tests/integration/test_p11_batch.c
tests_integration_test_p11_batch_CFLAGS = $(INTEGRATION_TEST_CFLAGS)
tests_integration_test_p11_batch_LDADD = $(INTEGRATION_TEST_LDADD)
EXTRA_tests_integration_test_p11_batch_DEPENDENCIES = src/pkcs11/guardhsm.la

tests_integration_test_p11_crash_SOURCES = tests/integration/test_p11_crash.c
tests_integration_test_p11_crash_CFLAGS = $(INTEGRATION_TEST_CFLAGS)
tests_integration_test_p11_crash_LDADD = $(INTEGRATION_TEST_LDADD)
EXTRA_tests_integration_test_p11_crash_DEPENDENCIES = src/pkcs11/guardhsm.la

# The corruption test edits token files with libsqlite3 directly.
tests_integration_test_p11_corrupt_SOURCES = \
	tests/integration/test_p11_corrupt.c
tests_integration_test_p11_corrupt_CFLAGS = $(INTEGRATION_TEST_CFLAGS) \
	$(SQLITE_CFLAGS)
tests_integration_test_p11_corrupt_LDADD = $(INTEGRATION_TEST_LDADD) \
	$(SQLITE_LIBS)
EXTRA_tests_integration_test_p11_corrupt_DEPENDENCIES = src/pkcs11/guardhsm.la

# Finds answered by the index rows: token files edited with libsqlite3.
tests_integration_test_p11_find_rows_SOURCES = \
	tests/integration/test_p11_find_rows.c
tests_integration_test_p11_find_rows_CFLAGS = $(INTEGRATION_TEST_CFLAGS) \
	$(SQLITE_CFLAGS)
tests_integration_test_p11_find_rows_LDADD = $(INTEGRATION_TEST_LDADD) \
	$(SQLITE_LIBS)
EXTRA_tests_integration_test_p11_find_rows_DEPENDENCIES = \
	src/pkcs11/guardhsm.la

tests_integration_test_p11_fork_SOURCES = tests/integration/test_p11_fork.c
tests_integration_test_p11_fork_CFLAGS = $(INTEGRATION_TEST_CFLAGS)
tests_integration_test_p11_fork_LDADD = $(INTEGRATION_TEST_LDADD)
EXTRA_tests_integration_test_p11_fork_DEPENDENCIES = src/pkcs11/guardhsm.la

# Tokens changed under a running process (file deleted, re-initialised
# by another process).
tests_integration_test_p11_external_SOURCES = \
	tests/integration/test_p11_external.c
tests_integration_test_p11_external_CFLAGS = $(INTEGRATION_TEST_CFLAGS)
tests_integration_test_p11_external_LDADD = $(INTEGRATION_TEST_LDADD)
EXTRA_tests_integration_test_p11_external_DEPENDENCIES = src/pkcs11/guardhsm.la

# `make check-integration`: only these tests.
.PHONY: check-integration
check-integration:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(INTEGRATION_TESTS)'

# Mechanisms (ECDSA, EdDSA, HMAC, digests, ECDH) checked against OpenSSL's
# libcrypto, which this program links, and through pkcs11-tool.
INTEGRATION_C_TESTS += tests/integration/test_p11_mechanisms
INTEGRATION_TESTS += tests/integration/pkcs11_tool_mechanisms.sh
EXTRA_DIST += tests/integration/pkcs11_tool_mechanisms.sh

tests_integration_test_p11_mechanisms_SOURCES = \
	tests/integration/test_p11_mechanisms.c
tests_integration_test_p11_mechanisms_CFLAGS = $(INTEGRATION_TEST_CFLAGS) \
	$(CRYPTO_CFLAGS)
tests_integration_test_p11_mechanisms_LDADD = $(INTEGRATION_TEST_LDADD) \
	$(CRYPTO_LIBS)
EXTRA_tests_integration_test_p11_mechanisms_DEPENDENCIES = \
	src/pkcs11/guardhsm.la

# RSA (key generation, signatures, encryption, import, wrapping) checked
# against OpenSSL's libcrypto. Three programs that share the two 2048-bit
# key pairs p11_rsa_common.c makes once per program (RSA keygen is slow
# under valgrind and ASan).
INTEGRATION_C_TESTS += tests/integration/test_p11_rsa \
	tests/integration/test_p11_rsa_crypt \
	tests/integration/test_p11_rsa_keys

P11_RSA_TEST_SOURCES = tests/integration/p11_rsa_common.c \
	tests/integration/p11_rsa_common.h
P11_RSA_TEST_CFLAGS = $(INTEGRATION_TEST_CFLAGS) $(CRYPTO_CFLAGS)
P11_RSA_TEST_LDADD = $(INTEGRATION_TEST_LDADD) $(CRYPTO_LIBS)

tests_integration_test_p11_rsa_SOURCES = tests/integration/test_p11_rsa.c \
	$(P11_RSA_TEST_SOURCES)
tests_integration_test_p11_rsa_CFLAGS = $(P11_RSA_TEST_CFLAGS)
tests_integration_test_p11_rsa_LDADD = $(P11_RSA_TEST_LDADD)
EXTRA_tests_integration_test_p11_rsa_DEPENDENCIES = src/pkcs11/guardhsm.la

tests_integration_test_p11_rsa_crypt_SOURCES = \
	tests/integration/test_p11_rsa_crypt.c $(P11_RSA_TEST_SOURCES)
tests_integration_test_p11_rsa_crypt_CFLAGS = $(P11_RSA_TEST_CFLAGS)
tests_integration_test_p11_rsa_crypt_LDADD = $(P11_RSA_TEST_LDADD)
EXTRA_tests_integration_test_p11_rsa_crypt_DEPENDENCIES = \
	src/pkcs11/guardhsm.la

tests_integration_test_p11_rsa_keys_SOURCES = \
	tests/integration/test_p11_rsa_keys.c $(P11_RSA_TEST_SOURCES)
tests_integration_test_p11_rsa_keys_CFLAGS = $(P11_RSA_TEST_CFLAGS)
tests_integration_test_p11_rsa_keys_LDADD = $(P11_RSA_TEST_LDADD)
EXTRA_tests_integration_test_p11_rsa_keys_DEPENDENCIES = \
	src/pkcs11/guardhsm.la

# C_DeriveKey: HKDF (RFC 5869 vectors, OpenSSL's HKDF) and ECDH into
# secret keys of every type.
INTEGRATION_C_TESTS += tests/integration/test_p11_derive

tests_integration_test_p11_derive_SOURCES = \
	tests/integration/test_p11_derive.c
tests_integration_test_p11_derive_CFLAGS = $(INTEGRATION_TEST_CFLAGS) \
	$(CRYPTO_CFLAGS)
tests_integration_test_p11_derive_LDADD = $(INTEGRATION_TEST_LDADD) \
	$(CRYPTO_LIBS)
EXTRA_tests_integration_test_p11_derive_DEPENDENCIES = \
	src/pkcs11/guardhsm.la

# Symmetric mechanisms (AES modes, CMAC, ChaCha20-Poly1305, key
# generation) and key wrapping, checked against OpenSSL's libcrypto, which
# these programs link. They share p11_symmetric.c (keys with known values,
# multi-part runs, OpenSSL's side).
noinst_LTLIBRARIES += tests/integration/libp11symmetric.la
tests_integration_libp11symmetric_la_SOURCES = \
	tests/integration/p11_symmetric.c \
	tests/integration/p11_symmetric.h
tests_integration_libp11symmetric_la_CFLAGS = $(INTEGRATION_TEST_CFLAGS) \
	$(CRYPTO_CFLAGS)

INTEGRATION_SYMMETRIC_TESTS = \
	tests/integration/test_p11_cipher \
	tests/integration/test_p11_cipher_api \
	tests/integration/test_p11_cipher_errors \
	tests/integration/test_p11_cmac \
	tests/integration/test_p11_wrap \
	tests/integration/test_p11_message
INTEGRATION_C_TESTS += $(INTEGRATION_SYMMETRIC_TESTS)
INTEGRATION_SYMMETRIC_LDADD = tests/integration/libp11symmetric.la \
	$(INTEGRATION_TEST_LDADD) $(CRYPTO_LIBS)

tests_integration_test_p11_message_SOURCES = \
	tests/integration/test_p11_message.c
tests_integration_test_p11_message_CFLAGS = $(INTEGRATION_TEST_CFLAGS) \
	$(CRYPTO_CFLAGS)
tests_integration_test_p11_message_LDADD = $(INTEGRATION_SYMMETRIC_LDADD)
EXTRA_tests_integration_test_p11_message_DEPENDENCIES = src/pkcs11/guardhsm.la

tests_integration_test_p11_cipher_SOURCES = tests/integration/test_p11_cipher.c
tests_integration_test_p11_cipher_CFLAGS = $(INTEGRATION_TEST_CFLAGS) \
	$(CRYPTO_CFLAGS)
tests_integration_test_p11_cipher_LDADD = $(INTEGRATION_SYMMETRIC_LDADD)
EXTRA_tests_integration_test_p11_cipher_DEPENDENCIES = src/pkcs11/guardhsm.la

tests_integration_test_p11_cipher_api_SOURCES = \
	tests/integration/test_p11_cipher_api.c
tests_integration_test_p11_cipher_api_CFLAGS = $(INTEGRATION_TEST_CFLAGS) \
	$(CRYPTO_CFLAGS)
tests_integration_test_p11_cipher_api_LDADD = $(INTEGRATION_SYMMETRIC_LDADD)
EXTRA_tests_integration_test_p11_cipher_api_DEPENDENCIES = \
	src/pkcs11/guardhsm.la

tests_integration_test_p11_cipher_errors_SOURCES = \
	tests/integration/test_p11_cipher_errors.c
tests_integration_test_p11_cipher_errors_CFLAGS = \
	$(INTEGRATION_TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_integration_test_p11_cipher_errors_LDADD = \
	$(INTEGRATION_SYMMETRIC_LDADD)
EXTRA_tests_integration_test_p11_cipher_errors_DEPENDENCIES = \
	src/pkcs11/guardhsm.la

tests_integration_test_p11_cmac_SOURCES = tests/integration/test_p11_cmac.c
tests_integration_test_p11_cmac_CFLAGS = $(INTEGRATION_TEST_CFLAGS) \
	$(CRYPTO_CFLAGS)
tests_integration_test_p11_cmac_LDADD = $(INTEGRATION_SYMMETRIC_LDADD)
EXTRA_tests_integration_test_p11_cmac_DEPENDENCIES = src/pkcs11/guardhsm.la

tests_integration_test_p11_wrap_SOURCES = tests/integration/test_p11_wrap.c
tests_integration_test_p11_wrap_CFLAGS = $(INTEGRATION_TEST_CFLAGS) \
	$(CRYPTO_CFLAGS)
tests_integration_test_p11_wrap_LDADD = $(INTEGRATION_SYMMETRIC_LDADD)
EXTRA_tests_integration_test_p11_wrap_DEPENDENCIES = src/pkcs11/guardhsm.la

# Private keys wrapped and unwrapped as PKCS#8, checked against OpenSSL
# (p11_private.c: keys of each kind on both sides, OpenSSL's wrapping).
P11_PRIVATE_TESTS = tests/integration/test_p11_wrap_private \
	tests/integration/test_p11_wrap_private_errors
INTEGRATION_C_TESTS += $(P11_PRIVATE_TESTS)
P11_PRIVATE_SOURCES = tests/integration/p11_private.c \
	tests/integration/p11_private.h

tests_integration_test_p11_wrap_private_SOURCES = \
	tests/integration/test_p11_wrap_private.c $(P11_PRIVATE_SOURCES)
tests_integration_test_p11_wrap_private_CFLAGS = $(INTEGRATION_TEST_CFLAGS) \
	$(CRYPTO_CFLAGS)
tests_integration_test_p11_wrap_private_LDADD = $(INTEGRATION_SYMMETRIC_LDADD)
EXTRA_tests_integration_test_p11_wrap_private_DEPENDENCIES = \
	src/pkcs11/guardhsm.la

tests_integration_test_p11_wrap_private_errors_SOURCES = \
	tests/integration/test_p11_wrap_private_errors.c $(P11_PRIVATE_SOURCES)
tests_integration_test_p11_wrap_private_errors_CFLAGS = \
	$(INTEGRATION_TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_integration_test_p11_wrap_private_errors_LDADD = \
	$(INTEGRATION_SYMMETRIC_LDADD)
EXTRA_tests_integration_test_p11_wrap_private_errors_DEPENDENCIES = \
	src/pkcs11/guardhsm.la

# guardhsm-util, the command-line companion, driven by a shell script
# against the built module (with pkcs11-tool, openssl, ssh-keygen and
# python3 checking what it does).
INTEGRATION_TESTS += tests/integration/guardhsm_util.sh
EXTRA_DIST += tests/integration/guardhsm_util.sh

# Real clients, each checked independently of the client that produced
# the result: OpenSSL's PKCS#11 engine (libp11), NSS, OpenSSH (with an
# sshd of the test's own), GnuTLS, PyKCS11, and p11-kit (registration,
# proxy, remoting over a socket and over SSH). A missing client fails
# (CI installs them: GH_DEPS in scripts/deps.sh); see README.md.
CLIENT_TESTS = \
	tests/integration/client_openssl.sh \
	tests/integration/client_nss.sh \
	tests/integration/client_openssh.sh \
	tests/integration/client_gnutls.sh \
	tests/integration/client_python.sh \
	tests/integration/client_p11kit.sh
INTEGRATION_TESTS += $(CLIENT_TESTS)
EXTRA_DIST += $(CLIENT_TESTS) tests/integration/clients_lib.sh \
	tests/integration/client_pykcs11.py

# `make check-clients`: only these tests.
.PHONY: check-clients
check-clients:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(CLIENT_TESTS)'
