/* Subkeys, blind index tags and row MACs. Every key lives only in enclave
 * memory: the master key and the public secret are opened from their
 * sealed form into a buffer for a derivation and freed at once; the
 * subkeys derived from them stay in one enclave buffer per token, which is
 * NOACCESS except during a store call (READONLY then). The public subkeys
 * are derived once per open, the private ones once per login. */
#include "config.h"

#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

/* crypto_kdf contexts: exactly crypto_kdf_CONTEXTBYTES (8) characters,
 * distinct per purpose so no two subkeys can coincide. */
static const char context_private_record[crypto_kdf_CONTEXTBYTES + 1] =
        "ghPrvRec";
static const char context_private_index[crypto_kdf_CONTEXTBYTES + 1] =
        "ghPrvIdx";
static const char context_public_record[crypto_kdf_CONTEXTBYTES + 1] =
        "ghPubRec";
static const char context_public_index[crypto_kdf_CONTEXTBYTES + 1] =
        "ghPubIdx";
static const char context_private_row[crypto_kdf_CONTEXTBYTES + 1] = "ghPrvRow";
static const char context_public_row[crypto_kdf_CONTEXTBYTES + 1] = "ghPubRow";

store_status store_enclave_status(enc_status status)
{
	switch (status) {
	case ENC_OK:
		return STORE_OK;
	case ENC_ERR_NOMEM:
		return STORE_ERR_NOMEM;
	case ENC_ERR_INVALID:
		return STORE_ERR_INVALID;
	default:
		return STORE_ERR_ENCLAVE;
	}
}

void store_put_u32(unsigned char *out, uint32_t value)
{
	for (int i = 0; i < 4; i++)
		out[i] = (unsigned char)(value >> (8 * i));
}

void store_put_u64(unsigned char *out, uint64_t value)
{
	for (int i = 0; i < 8; i++)
		out[i] = (unsigned char)(value >> (8 * i));
}

uint32_t store_get_u32(const unsigned char *in)
{
	uint32_t value = 0;
	for (int i = 3; i >= 0; i--)
		value = (value << 8) | in[i];
	return value;
}

uint64_t store_get_u64(const unsigned char *in)
{
	uint64_t value = 0;
	for (int i = 7; i >= 0; i--)
		value = (value << 8) | in[i];
	return value;
}

/* Opens sealed (a 32-byte parent key) and derives three subkeys from it
 * into keys at offset (record, index, row MAC: 32 bytes each). */
static store_status derive_set(const enc_sealed *sealed, unsigned char *keys,
                               const char *record_context,
                               const char *index_context,
                               const char *row_context)
{
	if (enc_sealed_length(sealed) != crypto_kdf_KEYBYTES)
		return STORE_ERR_CORRUPT;
	enc_buffer *parent;
	store_status status =
	        store_enclave_status(enc_open(sealed, NULL, 0, 0, &parent));
	if (status != STORE_OK)
		return status;
	const unsigned char *parent_key = enc_data(parent);
	if (crypto_kdf_derive_from_key(keys, 32, 1, record_context,
	                               parent_key) != 0 ||
	    crypto_kdf_derive_from_key(keys + 32, 32, 1, index_context,
	                               parent_key) != 0 ||
	    crypto_kdf_derive_from_key(keys + 64, 32, 1, row_context,
	                               parent_key) != 0)
		status = STORE_ERR_INVALID;
	enc_free(parent);
	return status;
}

void store_keys_forget(store_token *token)
{
	/* enc_free wipes (also a buffer a purge made unusable). */
	enc_free(token->subkeys);
	token->subkeys = NULL;
	token->subkeys_public = false;
	token->subkeys_private = false;
}

/* Derives what the token's subkey buffer lacks; leaves it READWRITE. */
static store_status derive_missing(store_token *token, bool with_private)
{
	if (token->subkeys == NULL) {
		store_status status = store_enclave_status(enc_alloc(
		        STORE_KEYS_BYTES, ENC_ALLOC_ALIGNED, &token->subkeys));
		if (status != STORE_OK) {
			token->subkeys = NULL;
			return status;
		}
	} else {
		store_status status = store_enclave_status(
		        enc_protect(token->subkeys, ENC_READWRITE));
		if (status != STORE_OK)
			return status;
	}
	unsigned char *data = enc_data(token->subkeys);
	if (!token->subkeys_public) {
		store_status status = derive_set(
		        token->public_secret, data + STORE_KEY_PUBLIC_RECORD,
		        context_public_record, context_public_index,
		        context_public_row);
		if (status != STORE_OK)
			return status;
		token->subkeys_public = true;
	}
	if (with_private && !token->subkeys_private) {
		store_status status = derive_set(
		        token->master, data + STORE_KEY_PRIVATE_RECORD,
		        context_private_record, context_private_index,
		        context_private_row);
		if (status != STORE_OK)
			return status;
		token->subkeys_private = true;
	}
	return STORE_OK;
}

store_status store_keys_open(store_token *token, bool with_private,
                             bool with_scratch, store_keys *keys)
{
	keys->buffer = NULL;
	keys->has_private = false;
	if (with_private && token->master == NULL)
		return STORE_ERR_NOT_LOGGED_IN;
	if (token->public_secret == NULL)
		return STORE_ERR_CORRUPT;
	store_status status = STORE_OK;
	if (token->subkeys == NULL || !token->subkeys_public ||
	    (with_private && !token->subkeys_private))
		status = derive_missing(token, with_private);
	if (status == STORE_OK)
		status = store_enclave_status(enc_protect(
		        token->subkeys,
		        with_scratch ? ENC_READWRITE : ENC_READONLY));
	if (status != STORE_OK) {
		/* Half-derived, or unusable after a purge: start afresh
		 * next time. */
		store_keys_forget(token);
		return status;
	}
	keys->buffer = token->subkeys;
	keys->has_private = with_private;
	return STORE_OK;
}

void store_keys_close(store_keys *keys)
{
	/* Only a purge (which wiped it) or a fork can make this fail; the
	 * next store_keys_open then notices. */
	if (keys->buffer != NULL)
		enc_protect(keys->buffer, ENC_NOACCESS);
	keys->buffer = NULL;
	keys->has_private = false;
}

const unsigned char *store_record_key(const store_keys *keys, bool is_private)
{
	const unsigned char *data = enc_data(keys->buffer);
	return data + (is_private ? STORE_KEY_PRIVATE_RECORD
	                          : STORE_KEY_PUBLIC_RECORD);
}

unsigned char *store_keys_scratch(const store_keys *keys)
{
	unsigned char *data = enc_data(keys->buffer);
	return data + STORE_KEY_SCRATCH;
}

const unsigned char *store_index_key(const store_keys *keys, bool is_private)
{
	const unsigned char *data = enc_data(keys->buffer);
	return data +
	       (is_private ? STORE_KEY_PRIVATE_INDEX : STORE_KEY_PUBLIC_INDEX);
}

const unsigned char *store_row_key(const store_keys *keys, bool is_private)
{
	const unsigned char *data = enc_data(keys->buffer);
	return data +
	       (is_private ? STORE_KEY_PRIVATE_ROW : STORE_KEY_PUBLIC_ROW);
}

store_status store_blind_tag(const unsigned char *index_key, char domain,
                             const unsigned char *value, size_t length,
                             unsigned char tag[STORE_TAG_BYTES])
{
	if (value == NULL && length != 0)
		return STORE_ERR_INVALID;
	if (length > SIZE_MAX - 1)
		return STORE_ERR_INVALID;
	/* The message (domain || value) is not secret: ordinary memory,
	 * on the stack when short. */
	unsigned char small[256];
	unsigned char *message = small;
	if (length + 1 > sizeof small) {
		message = malloc(length + 1);
		if (message == NULL)
			return STORE_ERR_NOMEM;
	}
	message[0] = (unsigned char)domain;
	if (length != 0)
		memcpy(message + 1, value, length);
	int result = crypto_generichash(tag, STORE_TAG_BYTES, message,
	                                length + 1, index_key, 32);
	if (message != small)
		free(message);
	return result == 0 ? STORE_OK : STORE_ERR_INVALID;
}

store_status store_class_tag(const unsigned char *index_key,
                             uint64_t object_class,
                             unsigned char tag[STORE_TAG_BYTES])
{
	unsigned char value[8];
	store_put_u64(value, object_class);
	return store_blind_tag(index_key, 'c', value, sizeof value, tag);
}
