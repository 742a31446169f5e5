# The crypto layer: mechanisms over libsodium and OpenSSL libcrypto, taking
# key material only from enclave buffers. A convenience library (not
# libcrypto.la: that name is OpenSSL's); consumers link it with
# src/enclave/libenclave.la $(CRYPTO_LIBS) $(SODIUM_LIBS) -lpthread.
noinst_LTLIBRARIES += src/crypto/libcrypto_guardhsm.la
src_crypto_libcrypto_guardhsm_la_SOURCES = \
	src/crypto/crypto.h \
	src/crypto/internal.h \
	src/crypto/library.c \
	src/crypto/curves.c \
	src/crypto/ec_nist.c \
	src/crypto/ecdsa_sign.c \
	src/crypto/ed25519.c \
	src/crypto/x25519.c \
	src/crypto/digest.c \
	src/crypto/hmac.c \
	src/crypto/kdf.c \
	src/crypto/cipher_internal.h \
	src/crypto/cipher.c \
	src/crypto/cipher_params.c \
	src/crypto/cipher_once.c \
	src/crypto/cipher_aes.c \
	src/crypto/cipher_aead.c \
	src/crypto/aead_keyed.c \
	src/crypto/key_wrap.c \
	src/crypto/cmac.c \
	src/crypto/rsa_key.c \
	src/crypto/rsa_pack.c \
	src/crypto/rsa_generate.c \
	src/crypto/rsa_blinding.c \
	src/crypto/rsa_sign.c \
	src/crypto/rsa_cipher.c \
	src/crypto/der.h \
	src/crypto/der.c \
	src/crypto/pkcs8.c
src_crypto_libcrypto_guardhsm_la_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) \
	$(CRYPTO_CFLAGS) -pthread
