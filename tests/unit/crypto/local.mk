# Unit tests of the crypto layer (CMocka), one program per concern, with
# known-answer vectors from the RFCs and NIST. All share common.c.

noinst_LTLIBRARIES += tests/unit/crypto/libcryptotest.la
tests_unit_crypto_libcryptotest_la_SOURCES = \
	tests/unit/crypto/common.c \
	tests/unit/crypto/common.h \
	tests/unit/crypto/cipher_common.c \
	tests/unit/crypto/cipher_common.h
tests_unit_crypto_libcryptotest_la_CFLAGS = $(AM_CFLAGS) \
	$(SODIUM_CFLAGS) $(CMOCKA_CFLAGS) -pthread

CRYPTO_UNIT_TESTS = \
	tests/unit/crypto/test_curves \
	tests/unit/crypto/test_ecdsa \
	tests/unit/crypto/test_ed25519 \
	tests/unit/crypto/test_x25519 \
	tests/unit/crypto/test_digest \
	tests/unit/crypto/test_hmac \
	tests/unit/crypto/test_kdf \
	tests/unit/crypto/test_hkdf \
	tests/unit/crypto/test_cipher_vectors \
	tests/unit/crypto/test_aead_keyed \
	tests/unit/crypto/test_cipher_modes \
	tests/unit/crypto/test_cipher_errors \
	tests/unit/crypto/test_cipher_params \
	tests/unit/crypto/test_cipher_enclave \
	tests/unit/crypto/test_cmac \
	tests/unit/crypto/test_rsa \
	tests/unit/crypto/test_rsa_pack \
	tests/unit/crypto/test_rsa_blinding \
	tests/unit/crypto/test_rsa_generate \
	tests/unit/crypto/test_pkcs8 \
	tests/unit/crypto/test_pkcs8_errors \
	tests/unit/crypto/test_pkcs8_keys

check_PROGRAMS += $(CRYPTO_UNIT_TESTS)
TESTS += $(CRYPTO_UNIT_TESTS)

CRYPTO_TEST_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) $(CRYPTO_CFLAGS) \
	$(CMOCKA_CFLAGS) -pthread
CRYPTO_TEST_LDADD = tests/unit/crypto/libcryptotest.la \
	src/crypto/libcrypto_guardhsm.la src/enclave/libenclave.la \
	$(CRYPTO_LIBS) $(SODIUM_LIBS) $(CMOCKA_LIBS) -lpthread

tests_unit_crypto_test_curves_SOURCES = tests/unit/crypto/test_curves.c
tests_unit_crypto_test_curves_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_curves_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_ecdsa_SOURCES = tests/unit/crypto/test_ecdsa.c
tests_unit_crypto_test_ecdsa_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_ecdsa_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_ed25519_SOURCES = tests/unit/crypto/test_ed25519.c
tests_unit_crypto_test_ed25519_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_ed25519_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_x25519_SOURCES = tests/unit/crypto/test_x25519.c
tests_unit_crypto_test_x25519_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_x25519_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_digest_SOURCES = tests/unit/crypto/test_digest.c
tests_unit_crypto_test_digest_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_digest_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_hmac_SOURCES = tests/unit/crypto/test_hmac.c
tests_unit_crypto_test_hmac_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_hmac_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_kdf_SOURCES = tests/unit/crypto/test_kdf.c
tests_unit_crypto_test_kdf_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_kdf_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_hkdf_SOURCES = tests/unit/crypto/test_hkdf.c
tests_unit_crypto_test_hkdf_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_hkdf_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_aead_keyed_SOURCES = \
	tests/unit/crypto/test_aead_keyed.c
tests_unit_crypto_test_aead_keyed_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_aead_keyed_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_cipher_vectors_SOURCES = \
	tests/unit/crypto/test_cipher_vectors.c
tests_unit_crypto_test_cipher_vectors_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_cipher_vectors_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_cipher_modes_SOURCES = \
	tests/unit/crypto/test_cipher_modes.c
tests_unit_crypto_test_cipher_modes_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_cipher_modes_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_cipher_errors_SOURCES = \
	tests/unit/crypto/test_cipher_errors.c
tests_unit_crypto_test_cipher_errors_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_cipher_errors_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_cipher_params_SOURCES = \
	tests/unit/crypto/test_cipher_params.c
tests_unit_crypto_test_cipher_params_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_cipher_params_LDADD = $(CRYPTO_TEST_LDADD)

# The enclave rule: the memory scan reuses the security tests' scanner.
tests_unit_crypto_test_cipher_enclave_SOURCES = \
	tests/unit/crypto/test_cipher_enclave.c \
	tests/security/scanner.c tests/security/scanner.h
tests_unit_crypto_test_cipher_enclave_CFLAGS = $(CRYPTO_TEST_CFLAGS) \
	-I$(top_srcdir)/tests
tests_unit_crypto_test_cipher_enclave_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_cmac_SOURCES = tests/unit/crypto/test_cmac.c
tests_unit_crypto_test_cmac_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_cmac_LDADD = $(CRYPTO_TEST_LDADD)

# The RSA tests share their vectors (rsa_vectors.c).
RSA_TEST_SOURCES = tests/unit/crypto/rsa_vectors.c \
	tests/unit/crypto/rsa_vectors.h

tests_unit_crypto_test_rsa_SOURCES = tests/unit/crypto/test_rsa.c \
	$(RSA_TEST_SOURCES)
tests_unit_crypto_test_rsa_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_rsa_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_rsa_pack_SOURCES = tests/unit/crypto/test_rsa_pack.c \
	$(RSA_TEST_SOURCES)
tests_unit_crypto_test_rsa_pack_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_rsa_pack_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_rsa_blinding_SOURCES = \
	tests/unit/crypto/test_rsa_blinding.c $(RSA_TEST_SOURCES)
tests_unit_crypto_test_rsa_blinding_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_rsa_blinding_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_rsa_generate_SOURCES = \
	tests/unit/crypto/test_rsa_generate.c $(RSA_TEST_SOURCES)
tests_unit_crypto_test_rsa_generate_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_rsa_generate_LDADD = $(CRYPTO_TEST_LDADD)

# PKCS#8 (the DER reader and writer): OpenSSL's encodings of each key
# type (pkcs8_vectors.c), read back by OpenSSL too.
PKCS8_TEST_SOURCES = tests/unit/crypto/pkcs8_vectors.c \
	tests/unit/crypto/pkcs8_vectors.h

tests_unit_crypto_test_pkcs8_SOURCES = tests/unit/crypto/test_pkcs8.c \
	$(PKCS8_TEST_SOURCES) $(RSA_TEST_SOURCES)
tests_unit_crypto_test_pkcs8_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_pkcs8_LDADD = $(CRYPTO_TEST_LDADD)

# The refusals, made by altering valid encodings (pkcs8_build.c).
PKCS8_BUILD_SOURCES = tests/unit/crypto/pkcs8_build.c \
	tests/unit/crypto/pkcs8_build.h $(PKCS8_TEST_SOURCES)

tests_unit_crypto_test_pkcs8_errors_SOURCES = \
	tests/unit/crypto/test_pkcs8_errors.c $(PKCS8_BUILD_SOURCES)
tests_unit_crypto_test_pkcs8_errors_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_pkcs8_errors_LDADD = $(CRYPTO_TEST_LDADD)

tests_unit_crypto_test_pkcs8_keys_SOURCES = \
	tests/unit/crypto/test_pkcs8_keys.c $(PKCS8_BUILD_SOURCES)
tests_unit_crypto_test_pkcs8_keys_CFLAGS = $(CRYPTO_TEST_CFLAGS)
tests_unit_crypto_test_pkcs8_keys_LDADD = $(CRYPTO_TEST_LDADD)

# `make check-valgrind-crypto`: every crypto test under valgrind.
.PHONY: check-valgrind-crypto
check-valgrind-crypto: $(CRYPTO_UNIT_TESTS)
	@failed=""; for t in $(CRYPTO_UNIT_TESTS); do \
		echo "== valgrind $$t"; \
		$(LIBTOOL) --mode=execute $(VALGRIND) --error-exitcode=1 \
			--leak-check=full --errors-for-leak-kinds=definite \
			--quiet ./$$t || failed="$$failed $$t"; \
	done; \
	if test -n "$$failed"; then echo "FAILED:$$failed"; exit 1; fi
