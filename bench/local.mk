# Benchmarks, run by `make bench` (every program in BENCHMARKS). They
# link the installed shared library, so they measure what a user gets.
noinst_PROGRAMS += bench/enclave_bench
BENCHMARKS = bench/enclave_bench
bench_enclave_bench_SOURCES = bench/enclave_bench.c
bench_enclave_bench_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
bench_enclave_bench_LDADD = src/enclave/libguardhsm-enclave.la $(SODIUM_LIBS)

# p11bench: guardhsm.so and SoftHSM (if installed) loaded by path and
# measured by the same code, beside SQLite's durable commit rate and the
# bare signature primitives (libsodium, OpenSSL). It dlopens the module
# rather than linking it, so it lists the module as a dependency to have
# `make bench` build it first.
noinst_PROGRAMS += bench/p11bench
BENCHMARKS += bench/p11bench
bench_p11bench_SOURCES = bench/p11bench.c bench/p11bench_common.h \
	bench/p11bench_module.c bench/p11bench_workloads.c \
	bench/p11bench_sign.c bench/p11bench_rsa_aes.c bench/p11bench_aead.c \
	bench/p11bench_sqlite.c
bench_p11bench_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(P11KIT_CFLAGS) \
	$(SODIUM_CFLAGS) $(CRYPTO_CFLAGS) -pthread
bench_p11bench_LDADD = $(SQLITE_LIBS) $(SODIUM_LIBS) $(CRYPTO_LIBS) -ldl \
	-lpthread
EXTRA_bench_p11bench_DEPENDENCIES = src/pkcs11/guardhsm.la

# rsa_sign_bench: the crypto layer's RSA signing (key rebuilt from the
# enclave in every call) against bare OpenSSL with a pre-built key.
noinst_PROGRAMS += bench/rsa_sign_bench
BENCHMARKS += bench/rsa_sign_bench
bench_rsa_sign_bench_SOURCES = bench/rsa_sign_bench.c
bench_rsa_sign_bench_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) $(CRYPTO_CFLAGS) \
	-pthread
bench_rsa_sign_bench_LDADD = src/crypto/libcrypto_guardhsm.la \
	src/enclave/libenclave.la $(CRYPTO_LIBS) $(SODIUM_LIBS) -lpthread

# cipher_bench: AES-256-GCM through a whole cry_cipher against bare
# libsodium and OpenSSL on the same buffer (crypto layer, linked
# statically like the unit tests).
noinst_PROGRAMS += bench/cipher_bench
BENCHMARKS += bench/cipher_bench
bench_cipher_bench_SOURCES = bench/cipher_bench.c
bench_cipher_bench_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) $(CRYPTO_CFLAGS) \
	-pthread
bench_cipher_bench_LDADD = src/crypto/libcrypto_guardhsm.la \
	src/enclave/libenclave.la $(CRYPTO_LIBS) $(SODIUM_LIBS) -lpthread

# p11interleave: create rates of module builds against bare SQLite in
# alternating slices, for comparing store changes on a noisy disk (see
# docs/PERFORMANCE.md). Built with the other programs, not run by
# `make bench`.
noinst_PROGRAMS += bench/p11interleave
bench_p11interleave_SOURCES = bench/p11interleave.c bench/p11bench_common.h \
	bench/p11bench_module.c bench/p11bench_sqlite.c
bench_p11interleave_CFLAGS = $(bench_p11bench_CFLAGS)
bench_p11interleave_LDADD = $(SQLITE_LIBS) $(SODIUM_LIBS) -ldl
