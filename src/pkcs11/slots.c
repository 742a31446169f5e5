/* Slots and tokens: one slot per token file in the store directory, plus
 * one slot that always holds an uninitialised token (as SoftHSM does), so
 * C_InitToken on it creates a new token and another empty slot appears. */
#include "config.h"

#include "pkcs11/mechanisms.h"
#include "pkcs11/module.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void p11_copy_padded(CK_UTF8CHAR *dst, size_t size, const char *src,
                     size_t length)
{
	memset(dst, ' ', size);
	memcpy(dst, src, length < size ? length : size);
}

static p11_slot *slot_new(void)
{
	p11_slot *slot = calloc(1, sizeof(*slot));
	if (slot == NULL)
		return NULL;
	slot->lock = p11_mutex_new();
	if (slot->lock == NULL) {
		free(slot);
		return NULL;
	}
	slot->id = (CK_SLOT_ID)p11_state.slot_count;
	p11_map_init(&slot->objects);
	p11_map_init(&slot->by_store);
	p11_map_init(&slot->session_objects);
	return slot;
}

static CK_RV slots_append(p11_slot *slot)
{
	p11_slot **grown = realloc(p11_state.slots,
	                           (p11_state.slot_count + 1) * sizeof(*grown));
	if (grown == NULL)
		return CKR_HOST_MEMORY;
	p11_state.slots = grown;
	p11_state.slots[p11_state.slot_count++] = slot;
	return CKR_OK;
}

static bool slot_known(const char *path)
{
	for (size_t i = 0; i < p11_state.slot_count; i++) {
		const char *known = p11_state.slots[i]->path;
		if (known != NULL && strcmp(known, path) == 0)
			return true;
	}
	return false;
}

/* A slot for one token file. A file that cannot be read still gets a slot,
 * so the user sees CKR_TOKEN_NOT_RECOGNIZED rather than a vanished token. */
static CK_RV add_token_slot(const char *path)
{
	p11_slot *slot = slot_new();
	if (slot == NULL)
		return CKR_HOST_MEMORY;
	slot->path = strdup(path);
	store_status status = store_token_open(path, &slot->token);
	if (status != STORE_OK) {
		p11_log(P11_LOG_ERROR, "token file %s is not usable: %s", path,
		        store_strerror(status));
		slot->token = NULL;
		slot->unrecognised = true;
	}
	CK_RV rv = slot->path != NULL ? slots_append(slot) : CKR_HOST_MEMORY;
	if (rv != CKR_OK) {
		store_token_close(slot->token);
		free(slot->path);
		p11_mutex_free(slot->lock);
		free(slot);
	}
	return rv;
}

static bool has_empty_slot(void)
{
	for (size_t i = 0; i < p11_state.slot_count; i++)
		if (p11_state.slots[i]->path == NULL)
			return true;
	return false;
}

/* Adds slots for token files that appeared (say, another process ran
 * C_InitToken) and keeps one empty slot. Module lock held. */
static CK_RV rescan(void)
{
	char **paths = NULL;
	size_t count = 0;
	store_status status = store_list_token_files(
	        p11_state.config.store_path, &paths, &count);
	if (status != STORE_OK) {
		p11_log(P11_LOG_ERROR, "cannot read the store directory %s: %s",
		        p11_state.config.store_path, store_strerror(status));
		return CKR_DEVICE_ERROR;
	}
	CK_RV rv = CKR_OK;
	for (size_t i = 0; i < count && rv == CKR_OK; i++)
		if (!slot_known(paths[i]))
			rv = add_token_slot(paths[i]);
	store_free_paths(paths, count);
	if (rv == CKR_OK && !has_empty_slot()) {
		p11_slot *empty = slot_new();
		rv = empty != NULL ? slots_append(empty) : CKR_HOST_MEMORY;
		if (rv != CKR_OK && empty != NULL) {
			p11_mutex_free(empty->lock);
			free(empty);
		}
	}
	return rv;
}

CK_RV p11_slots_load(void)
{
	return rescan();
}

void p11_slots_free(void)
{
	for (size_t i = 0; i < p11_state.slot_count; i++) {
		p11_slot *slot = p11_state.slots[i];
		p11_objects_free_all(slot);
		if (slot->token != NULL) {
			store_logout(slot->token);
			store_token_close(slot->token);
		}
		free(slot->path);
		p11_mutex_free(slot->lock);
		free(slot);
	}
	free(p11_state.slots);
	p11_state.slots = NULL;
	p11_state.slot_count = 0;
}

CK_RV p11_slot_get(CK_SLOT_ID id, p11_slot **slot)
{
	if (id >= p11_state.slot_count)
		return CKR_SLOT_ID_INVALID;
	*slot = p11_state.slots[id];
	return CKR_OK;
}

CK_RV p11_slot_check_present(p11_slot *slot)
{
	if (slot->removed)
		return CKR_TOKEN_NOT_PRESENT;
	if (slot->unrecognised)
		return CKR_TOKEN_NOT_RECOGNIZED;
	if (slot->token == NULL)
		return CKR_OK;
	/* SQLite keeps writing to an unlinked file: notice the deletion
	 * (another process, or a user) rather than lose what is written. */
	struct stat file;
	if (stat(slot->path, &file) != 0 && errno == ENOENT) {
		p11_log(P11_LOG_WARNING, "token file %s was deleted",
		        slot->path);
		slot->removed = true;
		p11_objects_forget_private(slot);
		p11_objects_flush_cache(slot);
		slot->login = P11_LOGGED_OUT;
		return CKR_TOKEN_NOT_PRESENT;
	}
	return CKR_OK;
}

/* What another process's commit means here. */
static void apply_change(p11_slot *slot, bool changed)
{
	if (changed)
		p11_objects_flush_cache(slot);
	/* Another process re-initialised the token: the store dropped our
	 * login with the old master key, so does the application. */
	if (slot->login != P11_LOGGED_OUT && !store_logged_in(slot->token)) {
		p11_objects_forget_private(slot);
		slot->login = P11_LOGGED_OUT;
	}
}

CK_RV p11_slot_refresh(p11_slot *slot)
{
	CK_RV rv = p11_slot_check_present(slot);
	if (rv != CKR_OK || slot->token == NULL)
		return rv;
	bool changed = false;
	store_status status = store_token_refresh(slot->token, &changed);
	if (status != STORE_OK)
		return p11_rv_from_store(status, "refreshing the token");
	apply_change(slot, changed);
	return CKR_OK;
}

void p11_slot_after_write(p11_slot *slot)
{
	if (slot->token != NULL)
		apply_change(slot, store_token_take_change(slot->token));
}

CK_RV C_GetSlotList(CK_BBOOL token_present, CK_SLOT_ID_PTR list,
                    CK_ULONG_PTR count)
{
	CK_RV rv = p11_check_initialised();
	if (rv != CKR_OK)
		return rv;
	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	p11_mutex_lock(p11_state.lock);
	/* Rescan on the length query only, so the two calls of the protocol
	 * see the same list. */
	if (list == NULL)
		rv = rescan();
	size_t present = 0;
	for (size_t i = 0; i < p11_state.slot_count; i++)
		if (!token_present || !p11_state.slots[i]->removed)
			present++;
	if (rv == CKR_OK && list != NULL && *count < present)
		rv = CKR_BUFFER_TOO_SMALL;
	else if (rv == CKR_OK && list != NULL) {
		size_t n = 0;
		for (size_t i = 0; i < p11_state.slot_count; i++)
			if (!token_present || !p11_state.slots[i]->removed)
				list[n++] = p11_state.slots[i]->id;
	}
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		*count = present;
	p11_mutex_unlock(p11_state.lock);
	return rv;
}

CK_RV C_GetSlotInfo(CK_SLOT_ID id, CK_SLOT_INFO_PTR info)
{
	CK_RV rv = p11_check_initialised();
	if (rv != CKR_OK)
		return rv;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	p11_mutex_lock(p11_state.lock);
	p11_slot *slot;
	rv = p11_slot_get(id, &slot);
	if (rv == CKR_OK) {
		char description[64];
		int length = snprintf(description, sizeof(description),
		                      "guardhsm slot %lu", (unsigned long)id);
		memset(info, 0, sizeof(*info));
		p11_copy_padded(info->slotDescription,
		                sizeof(info->slotDescription), description,
		                (size_t)length);
		p11_copy_padded(info->manufacturerID,
		                sizeof(info->manufacturerID), P11_MANUFACTURER,
		                strlen(P11_MANUFACTURER));
		info->flags = slot->removed ? 0 : CKF_TOKEN_PRESENT;
		info->hardwareVersion.major = P11_VERSION_MAJOR;
		info->hardwareVersion.minor = P11_VERSION_MINOR;
		info->firmwareVersion = info->hardwareVersion;
	}
	p11_mutex_unlock(p11_state.lock);
	return rv;
}

static CK_FLAGS pin_flags(uint32_t failures, uint32_t max_tries, CK_FLAGS low,
                          CK_FLAGS final_try, CK_FLAGS locked)
{
	if (failures >= max_tries)
		return locked;
	if (failures + 1 == max_tries)
		return final_try | low;
	return failures > 0 ? low : 0;
}

static void fill_token_info(const p11_slot *slot, const store_token_info *store,
                            CK_TOKEN_INFO *info)
{
	memset(info, 0, sizeof(*info));
	p11_copy_padded(info->manufacturerID, sizeof(info->manufacturerID),
	                P11_MANUFACTURER, strlen(P11_MANUFACTURER));
	p11_copy_padded(info->model, sizeof(info->model), P11_MODEL,
	                strlen(P11_MODEL));
	p11_copy_padded(info->label, sizeof(info->label), "", 0);
	p11_copy_padded(info->serialNumber, sizeof(info->serialNumber), "", 0);
	info->flags = CKF_RNG;
	if (store != NULL) {
		memcpy(info->label, store->label, sizeof(info->label));
		memcpy(info->serialNumber, store->serial,
		       sizeof(info->serialNumber));
		info->flags |= CKF_TOKEN_INITIALIZED | CKF_LOGIN_REQUIRED |
		               CKF_RESTORE_KEY_NOT_NEEDED;
		if (store->user_pin_initialised)
			info->flags |= CKF_USER_PIN_INITIALIZED;
		info->flags |=
		        pin_flags(store->user_failures, store->max_pin_tries,
		                  CKF_USER_PIN_COUNT_LOW,
		                  CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED);
		info->flags |=
		        pin_flags(store->so_failures, store->max_pin_tries,
		                  CKF_SO_PIN_COUNT_LOW, CKF_SO_PIN_FINAL_TRY,
		                  CKF_SO_PIN_LOCKED);
	}
	info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulSessionCount = slot->session_count;
	info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulRwSessionCount = slot->rw_session_count;
	info->ulMaxPinLen = P11_MAX_PIN_LENGTH;
	info->ulMinPinLen = P11_MIN_PIN_LENGTH;
	info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->hardwareVersion.major = P11_VERSION_MAJOR;
	info->hardwareVersion.minor = P11_VERSION_MINOR;
	info->firmwareVersion = info->hardwareVersion;
	memset(info->utcTime, ' ', sizeof(info->utcTime));
}

CK_RV C_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv = p11_check_initialised();
	if (rv != CKR_OK)
		return rv;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	p11_mutex_lock(p11_state.lock);
	p11_slot *slot;
	rv = p11_slot_get(id, &slot);
	if (rv == CKR_OK) {
		p11_mutex_lock(slot->lock);
		CK_RV refreshed = p11_slot_refresh(slot);
		if (slot->removed) {
			rv = CKR_TOKEN_NOT_PRESENT;
		} else if (refreshed != CKR_OK && !slot->unrecognised) {
			rv = refreshed;
		} else if (slot->unrecognised) {
			rv = CKR_TOKEN_NOT_RECOGNIZED;
		} else if (slot->token == NULL) {
			fill_token_info(slot, NULL, info);
		} else {
			store_token_info store;
			store_status status =
			        store_token_get_info(slot->token, &store);
			rv = status == STORE_OK
			             ? CKR_OK
			             : p11_rv_from_store(status,
			                                 "reading token info");
			if (rv == CKR_OK)
				fill_token_info(slot, &store, info);
		}
		p11_mutex_unlock(slot->lock);
	}
	p11_mutex_unlock(p11_state.lock);
	return rv;
}

static void kdf_limits(store_token_options *options)
{
	switch (p11_state.config.kdf) {
	case P11_KDF_SENSITIVE:
		options->kdf_opslimit = crypto_pwhash_OPSLIMIT_SENSITIVE;
		options->kdf_memlimit = crypto_pwhash_MEMLIMIT_SENSITIVE;
		break;
	case P11_KDF_MODERATE:
		options->kdf_opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
		options->kdf_memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
		break;
	default:
		options->kdf_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		options->kdf_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	}
}

/* Module and slot locks held; the slot has no sessions. */
static CK_RV init_token(p11_slot *slot, CK_UTF8CHAR_PTR pin, CK_ULONG length,
                        const char label[STORE_LABEL_BYTES])
{
	if (slot->unrecognised)
		return CKR_TOKEN_NOT_RECOGNIZED;
	if (slot->token != NULL) {
		store_status status = store_token_reinitialise(slot->token, pin,
		                                               length, label);
		if (status != STORE_OK)
			return p11_rv_from_store(status,
			                         "re-initialising a token");
		p11_objects_free_all(slot);
		slot->login = P11_LOGGED_OUT;
		p11_log(P11_LOG_INFO, "token in slot %lu re-initialised",
		        (unsigned long)slot->id);
		return CKR_OK;
	}
	store_token_options options = {.max_pin_tries =
	                                       p11_state.config.pin_tries};
	kdf_limits(&options);
	store_token *token;
	store_status status =
	        store_token_create(p11_state.config.store_path, label, pin,
	                           length, &options, &token);
	if (status != STORE_OK)
		return p11_rv_from_store(status, "creating a token");
	store_token_info info;
	status = store_token_get_info(token, &info);
	char *path = status == STORE_OK ? strdup(info.path) : NULL;
	if (path == NULL) {
		store_token_delete(token);
		return CKR_HOST_MEMORY;
	}
	slot->token = token;
	slot->path = path;
	p11_log(P11_LOG_INFO, "token created in slot %lu: %s",
	        (unsigned long)slot->id, path);
	/* A new empty slot for the next C_InitToken. */
	return rescan();
}

CK_RV C_InitToken(CK_SLOT_ID id, CK_UTF8CHAR_PTR pin, CK_ULONG pin_length,
                  CK_UTF8CHAR_PTR label)
{
	CK_RV rv = p11_check_initialised();
	if (rv != CKR_OK)
		return rv;
	if (label == NULL || (pin == NULL && pin_length > 0))
		return CKR_ARGUMENTS_BAD;
	/* No protected authentication path: the PIN must be given. */
	if (pin == NULL)
		return CKR_ARGUMENTS_BAD;
	if (pin_length < P11_MIN_PIN_LENGTH || pin_length > P11_MAX_PIN_LENGTH)
		return CKR_PIN_LEN_RANGE;
	p11_mutex_lock(p11_state.lock);
	p11_slot *slot;
	rv = p11_slot_get(id, &slot);
	if (rv == CKR_OK) {
		p11_mutex_lock(slot->lock);
		if (slot->removed)
			rv = CKR_TOKEN_NOT_PRESENT;
		else if (slot->session_count > 0)
			rv = CKR_SESSION_EXISTS;
		else
			rv = init_token(slot, pin, pin_length,
			                (const char *)label);
		p11_mutex_unlock(slot->lock);
	}
	p11_mutex_unlock(p11_state.lock);
	return rv;
}

/* CKR_OK if the module is initialised and the slot exists. */
static CK_RV check_slot(CK_SLOT_ID id)
{
	CK_RV rv = p11_check_initialised();
	if (rv != CKR_OK)
		return rv;
	p11_mutex_lock(p11_state.lock);
	p11_slot *slot;
	rv = p11_slot_get(id, &slot);
	p11_mutex_unlock(p11_state.lock);
	return rv;
}

CK_RV C_GetMechanismList(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list,
                         CK_ULONG_PTR count)
{
	CK_RV rv = p11_check_initialised();
	if (rv == CKR_OK && count == NULL)
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK)
		rv = check_slot(id);
	if (rv != CKR_OK)
		return rv;
	size_t total = p11_mechanism_count();
	if (list != NULL && *count < total)
		rv = CKR_BUFFER_TOO_SMALL;
	else if (list != NULL)
		for (size_t i = 0; i < total; i++)
			list[i] = p11_mechanism_at(i)->type;
	*count = total;
	return rv;
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type,
                         CK_MECHANISM_INFO_PTR info)
{
	CK_RV rv = p11_check_initialised();
	if (rv == CKR_OK && info == NULL)
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK)
		rv = check_slot(id);
	if (rv != CKR_OK)
		return rv;
	const p11_mechanism *mechanism = p11_mechanism_find(type);
	if (mechanism == NULL)
		return CKR_MECHANISM_INVALID;
	*info = mechanism->info;
	return CKR_OK;
}

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot,
                         CK_VOID_PTR reserved)
{
	CK_RV rv = p11_check_initialised();
	if (rv != CKR_OK)
		return rv;
	/* Tokens are files: nothing is inserted or removed physically. */
	return CKR_FUNCTION_NOT_SUPPORTED;
}
