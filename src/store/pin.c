/*
 * PINs: the master key wrapped under an Argon2id key per PIN, and the
 * failure counters. A PIN is right when its key unwraps the master key:
 * the AEAD tag check is the comparison, and no PIN or PIN hash is stored.
 *
 * A check increments its counter in a committed transaction BEFORE the
 * KDF runs, so killing the process during the (slow) check still counts;
 * a success resets it in a second transaction.
 */
#include "config.h"

#include "store/internal.h"

#include <stdatomic.h>
#include <string.h>

static atomic_bool allow_weak_kdf;

void store_testing_allow_weak_kdf(bool allow)
{
	atomic_store(&allow_weak_kdf, allow);
}

store_status store_kdf_check_limits(uint64_t opslimit, size_t memlimit)
{
	if (opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
	    opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX ||
	    memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
	    memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX)
		return STORE_ERR_INVALID;
	if (!atomic_load(&allow_weak_kdf) &&
	    (opslimit < crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE ||
	     memlimit < crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE))
		return STORE_ERR_INVALID;
	return STORE_OK;
}

static const char wrap_context[] = "guardhsm-wrap-v1";
#define WRAP_AD_BYTES (sizeof(wrap_context) - 1 + STORE_UID_BYTES + 1)

static void wrap_ad(unsigned char ad[WRAP_AD_BYTES],
                    const unsigned char *token_uid, store_user user)
{
	memcpy(ad, wrap_context, sizeof(wrap_context) - 1);
	memcpy(ad + sizeof(wrap_context) - 1, token_uid, STORE_UID_BYTES);
	ad[WRAP_AD_BYTES - 1] = (unsigned char)user;
}

/* The PIN's key, in a new enclave buffer. */
static store_status derive_pin_key(const unsigned char *pin, size_t pin_length,
                                   const unsigned char salt[STORE_SALT_BYTES],
                                   uint64_t opslimit, size_t memlimit,
                                   enc_buffer **key)
{
	static const unsigned char empty[1];
	store_status status = store_enclave_status(
	        enc_alloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, 0, key));
	if (status != STORE_OK)
		return status;
	if (crypto_pwhash(enc_data(*key),
	                  crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
	                  pin_length ? (const char *)pin : (const char *)empty,
	                  pin_length, salt, opslimit, memlimit,
	                  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		/* Argon2id fails only when it cannot get its memory. */
		enc_free(*key);
		*key = NULL;
		return STORE_ERR_NOMEM;
	}
	return STORE_OK;
}

store_status store_wrap_master(const enc_buffer *master,
                               const unsigned char *token_uid, store_user user,
                               const unsigned char *pin, size_t pin_length,
                               uint64_t opslimit, size_t memlimit,
                               unsigned char salt[STORE_SALT_BYTES],
                               unsigned char wrapped[STORE_WRAPPED_BYTES])
{
	randombytes_buf(salt, STORE_SALT_BYTES);
	enc_buffer *key;
	store_status status =
	        derive_pin_key(pin, pin_length, salt, opslimit, memlimit, &key);
	if (status != STORE_OK)
		return status;
	unsigned char ad[WRAP_AD_BYTES];
	wrap_ad(ad, token_uid, user);
	randombytes_buf(wrapped, STORE_WRAP_NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	        wrapped + STORE_WRAP_NONCE_BYTES, NULL, enc_data(master),
	        STORE_MASTER_BYTES, ad, sizeof ad, NULL, wrapped,
	        enc_data(key));
	enc_free(key);
	return STORE_OK;
}

/* The master key unwrapped into a new enclave buffer, or
 * STORE_ERR_PIN_INCORRECT. */
static store_status
unwrap_master(const unsigned char *token_uid, store_user user,
              const unsigned char *pin, size_t pin_length,
              const unsigned char salt[STORE_SALT_BYTES],
              const unsigned char wrapped[STORE_WRAPPED_BYTES],
              uint64_t opslimit, size_t memlimit, enc_buffer **master)
{
	*master = NULL;
	enc_buffer *key;
	store_status status =
	        derive_pin_key(pin, pin_length, salt, opslimit, memlimit, &key);
	if (status != STORE_OK)
		return status;
	enc_buffer *plain;
	status = store_enclave_status(enc_alloc(STORE_MASTER_BYTES, 0, &plain));
	if (status == STORE_OK) {
		unsigned char ad[WRAP_AD_BYTES];
		wrap_ad(ad, token_uid, user);
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		            enc_data(plain), NULL, NULL,
		            wrapped + STORE_WRAP_NONCE_BYTES,
		            STORE_MASTER_BYTES + STORE_WRAP_TAG_BYTES, ad,
		            sizeof ad, wrapped, enc_data(key)) != 0) {
			status = STORE_ERR_PIN_INCORRECT;
			enc_free(plain);
		} else {
			*master = plain;
		}
	}
	enc_free(key);
	return status;
}

static const char *failures_name(store_user user)
{
	return user == STORE_USER ? "user_failures" : "so_failures";
}

static void cache_failures(store_token *token, store_user user, uint32_t value)
{
	if (user == STORE_USER)
		token->user_failures = value;
	else
		token->so_failures = value;
}

/* What a counted check reads in its first transaction. */
typedef struct pin_check {
	unsigned char salt[STORE_SALT_BYTES];
	unsigned char wrapped[STORE_WRAPPED_BYTES];
	unsigned char epoch[STORE_EPOCH_BYTES];
	uint64_t opslimit;
	size_t memlimit;
} pin_check;

/* Transaction 1: refuse if locked, else count the attempt durably. */
static store_status count_attempt(store_token *token, store_user user,
                                  pin_check *check)
{
	store_status status = store_begin(token);
	if (status != STORE_OK)
		return status;
	status = store_refresh_locked(token, NULL);
	if (status != STORE_OK)
		goto fail;
	const char *salt_name = user == STORE_USER ? "user_salt" : "so_salt";
	const char *wrapped_name =
	        user == STORE_USER ? "user_wrapped" : "so_wrapped";
	status = store_meta_get_fixed(token, salt_name, check->salt,
	                              sizeof check->salt);
	if (status == STORE_OK)
		status = store_meta_get_fixed(token, wrapped_name,
		                              check->wrapped,
		                              sizeof check->wrapped);
	if (status == STORE_ERR_NOT_FOUND)
		status = user == STORE_USER ? STORE_ERR_PIN_NOT_SET
		                            : STORE_ERR_CORRUPT;
	if (status != STORE_OK)
		goto fail;
	/* The refresh above has just read the rest from this snapshot. */
	uint32_t failures =
	        user == STORE_USER ? token->user_failures : token->so_failures;
	if (failures >= token->max_pin_tries) {
		status = STORE_ERR_PIN_LOCKED;
		goto fail;
	}
	memcpy(check->epoch, token->key_epoch, sizeof check->epoch);
	check->opslimit = token->kdf_opslimit;
	check->memlimit = token->kdf_memlimit;
	status = store_meta_set_integer(token, failures_name(user),
	                                (int64_t)failures + 1);
	if (status != STORE_OK)
		goto fail;
	status = store_commit(token);
	if (status == STORE_OK)
		cache_failures(token, user, failures + 1);
	return status;
fail:
	store_rollback(token);
	return status;
}

/* Opens a transaction in which the token's key epoch is still the one a
 * check saw; else another process re-initialised the token meanwhile and
 * the master key in hand is obsolete. */
static store_status begin_same_epoch(store_token *token,
                                     const unsigned char *epoch)
{
	store_status status = store_begin(token);
	if (status != STORE_OK)
		return status;
	status = store_refresh_locked(token, NULL);
	if (status == STORE_OK &&
	    memcmp(token->key_epoch, epoch, STORE_EPOCH_BYTES) != 0)
		status = STORE_ERR_PIN_INCORRECT;
	if (status != STORE_OK)
		store_rollback(token);
	return status;
}

/* A counted check of user's PIN. On success, *master holds the master key
 * and the transaction that resets the counter is OPEN, so the caller can
 * add its own changes (then commit) atomically with the reset. */
static store_status check_pin(store_token *token, store_user user,
                              const unsigned char *pin, size_t pin_length,
                              enc_buffer **master, pin_check *check)
{
	*master = NULL;
	store_status status = count_attempt(token, user, check);
	if (status != STORE_OK)
		return status;
	status = unwrap_master(token->token_uid, user, pin, pin_length,
	                       check->salt, check->wrapped, check->opslimit,
	                       check->memlimit, master);
	if (status != STORE_OK)
		return status;
	status = begin_same_epoch(token, check->epoch);
	if (status == STORE_OK)
		status = store_meta_set_integer(token, failures_name(user), 0);
	if (status != STORE_OK) {
		store_rollback(token);
		enc_free(*master);
		*master = NULL;
	}
	return status;
}

static bool pin_valid(const unsigned char *pin, size_t pin_length)
{
	return pin != NULL || pin_length == 0;
}

store_status store_login(store_token *token, store_user user,
                         const unsigned char *pin, size_t pin_length)
{
	if (token == NULL || (user != STORE_SO && user != STORE_USER) ||
	    !pin_valid(pin, pin_length))
		return STORE_ERR_INVALID;
	store_lock(token);
	enc_buffer *master = NULL;
	pin_check check;
	store_status status = store_no_batch(token);
	if (status == STORE_OK)
		status = store_refresh_locked(token, NULL);
	if (status == STORE_OK)
		status = check_pin(token, user, pin, pin_length, &master,
		                   &check);
	if (status == STORE_OK)
		status = store_commit(token);
	if (status == STORE_OK) {
		cache_failures(token, user, 0);
		enc_sealed *sealed;
		status = store_enclave_status(
		        enc_seal(master, NULL, 0, &sealed));
		if (status == STORE_OK) {
			store_logout_locked(token);
			token->master = sealed;
			memcpy(token->login_epoch, check.epoch,
			       sizeof check.epoch);
		}
	}
	enc_free(master);
	store_unlock(token);
	return status;
}

void store_logout(store_token *token)
{
	if (token == NULL)
		return;
	store_lock(token);
	store_logout_locked(token);
	store_unlock(token);
}

bool store_logged_in(const store_token *token)
{
	if (token == NULL)
		return false;
	store_token *mutable_token = (store_token *)token;
	store_lock(mutable_token);
	bool logged_in = token->master != NULL;
	store_unlock(mutable_token);
	return logged_in;
}

/* Writes user's salt and wrapping of master (inside an open transaction). */
static store_status write_wrapping(store_token *token, store_user user,
                                   const unsigned char *salt,
                                   const unsigned char *wrapped)
{
	store_status status = store_meta_set_blob(
	        token, user == STORE_USER ? "user_salt" : "so_salt", salt,
	        STORE_SALT_BYTES);
	if (status == STORE_OK)
		status = store_meta_set_blob(token,
		                             user == STORE_USER ? "user_wrapped"
		                                                : "so_wrapped",
		                             wrapped, STORE_WRAPPED_BYTES);
	return status;
}

store_status store_init_user_pin(store_token *token, const unsigned char *pin,
                                 size_t pin_length)
{
	if (token == NULL || !pin_valid(pin, pin_length))
		return STORE_ERR_INVALID;
	store_lock(token);
	enc_buffer *master = NULL;
	unsigned char salt[STORE_SALT_BYTES];
	unsigned char wrapped[STORE_WRAPPED_BYTES];
	/* The refresh logs out if another process re-initialised. */
	store_status status = store_no_batch(token);
	if (status == STORE_OK)
		status = store_refresh_locked(token, NULL);
	if (status == STORE_OK && token->master == NULL)
		status = STORE_ERR_NOT_LOGGED_IN;
	if (status == STORE_OK)
		status = store_enclave_status(
		        enc_open(token->master, NULL, 0, 0, &master));
	/* The slow KDF runs before the transaction, not holding the lock. */
	if (status == STORE_OK)
		status = store_wrap_master(master, token->token_uid, STORE_USER,
		                           pin, pin_length, token->kdf_opslimit,
		                           token->kdf_memlimit, salt, wrapped);
	unsigned char epoch[STORE_EPOCH_BYTES];
	memcpy(epoch, token->login_epoch, sizeof epoch);
	if (status == STORE_OK) {
		status = begin_same_epoch(token, epoch);
		if (status == STORE_ERR_PIN_INCORRECT) {
			store_logout_locked(token);
			status = STORE_ERR_NOT_LOGGED_IN;
		}
	}
	if (status == STORE_OK) {
		status = write_wrapping(token, STORE_USER, salt, wrapped);
		if (status == STORE_OK)
			status = store_meta_set_integer(token, "user_failures",
			                                0);
		if (status == STORE_OK)
			status = store_commit(token);
		else
			store_rollback(token);
	}
	if (status == STORE_OK) {
		token->user_failures = 0;
		token->user_pin_set = true;
	}
	enc_free(master);
	store_unlock(token);
	return status;
}

store_status store_set_pin(store_token *token, store_user user,
                           const unsigned char *old_pin, size_t old_length,
                           const unsigned char *new_pin, size_t new_length)
{
	if (token == NULL || (user != STORE_SO && user != STORE_USER) ||
	    !pin_valid(old_pin, old_length) || !pin_valid(new_pin, new_length))
		return STORE_ERR_INVALID;
	store_lock(token);
	enc_buffer *master = NULL;
	pin_check check;
	unsigned char salt[STORE_SALT_BYTES];
	unsigned char wrapped[STORE_WRAPPED_BYTES];
	store_status status = store_no_batch(token);
	if (status == STORE_OK)
		status = store_refresh_locked(token, NULL);
	if (status == STORE_OK)
		status = check_pin(token, user, old_pin, old_length, &master,
		                   &check);
	if (status == STORE_OK) {
		/* The reset of the counter is one transaction; the new
		 * wrapping (after a slow KDF) another, checked against
		 * the same key epoch. */
		status = store_commit(token);
		if (status == STORE_OK)
			cache_failures(token, user, 0);
	}
	if (status == STORE_OK)
		status = store_wrap_master(master, token->token_uid, user,
		                           new_pin, new_length, check.opslimit,
		                           check.memlimit, salt, wrapped);
	if (status == STORE_OK)
		status = begin_same_epoch(token, check.epoch);
	if (status == STORE_OK) {
		status = write_wrapping(token, user, salt, wrapped);
		if (status == STORE_OK)
			status = store_commit(token);
		else
			store_rollback(token);
	}
	enc_free(master);
	store_unlock(token);
	return status;
}

store_status store_token_reinitialise(store_token *token,
                                      const unsigned char *so_pin,
                                      size_t so_pin_length,
                                      const char label[STORE_LABEL_BYTES])
{
	if (token == NULL || label == NULL || !pin_valid(so_pin, so_pin_length))
		return STORE_ERR_INVALID;
	store_lock(token);
	enc_buffer *master = NULL;
	enc_buffer *fresh = NULL;
	pin_check check;
	unsigned char salt[STORE_SALT_BYTES];
	unsigned char wrapped[STORE_WRAPPED_BYTES];
	unsigned char epoch[STORE_EPOCH_BYTES];
	int64_t floor_id = 0;
	store_status status = store_no_batch(token);
	if (status == STORE_OK)
		status = store_refresh_locked(token, NULL);
	if (status == STORE_OK)
		status = check_pin(token, STORE_SO, so_pin, so_pin_length,
		                   &master, &check);
	if (status == STORE_OK) {
		status = store_commit(token);
		if (status == STORE_OK)
			token->so_failures = 0;
	}
	/* The new master key, wrapped under the same SO PIN. */
	if (status == STORE_OK)
		status = store_enclave_status(
		        enc_alloc(STORE_MASTER_BYTES, 0, &fresh));
	if (status == STORE_OK) {
		randombytes_buf(enc_data(fresh), STORE_MASTER_BYTES);
		status =
		        store_wrap_master(fresh, token->token_uid, STORE_SO,
		                          so_pin, so_pin_length, check.opslimit,
		                          check.memlimit, salt, wrapped);
	}
	if (status == STORE_OK)
		status = begin_same_epoch(token, check.epoch);
	if (status == STORE_OK) {
		randombytes_buf(epoch, sizeof epoch);
		status = store_objects_delete_all(token, &floor_id);
		if (status == STORE_OK)
			status = write_wrapping(token, STORE_SO, salt, wrapped);
		if (status == STORE_OK)
			status = store_meta_delete(token, "user_salt");
		if (status == STORE_OK)
			status = store_meta_delete(token, "user_wrapped");
		if (status == STORE_OK)
			status = store_meta_set_blob(token, "label", label,
			                             STORE_LABEL_BYTES);
		if (status == STORE_OK)
			status = store_meta_set_blob(token, "key_epoch", epoch,
			                             sizeof epoch);
		if (status == STORE_OK)
			status = store_meta_set_integer(token, "user_failures",
			                                0);
		if (status == STORE_OK)
			status =
			        store_meta_set_integer(token, "so_failures", 0);
		if (status == STORE_OK)
			status = store_commit(token);
		else
			store_rollback(token);
	}
	if (status == STORE_OK) {
		memcpy(token->label, label, STORE_LABEL_BYTES);
		memcpy(token->key_epoch, epoch, sizeof epoch);
		token->user_pin_set = false;
		token->user_failures = 0;
		token->so_failures = 0;
		token->id_floor = floor_id;
		store_logout_locked(token);
	}
	enc_free(fresh);
	enc_free(master);
	store_unlock(token);
	return status;
}
