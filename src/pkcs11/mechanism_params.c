#include "config.h"

#include "pkcs11/mechanism_params.h"

#include <stdlib.h>
#include <string.h>

bool p11_hash_from_mechanism(CK_MECHANISM_TYPE type, cry_hash *hash)
{
	switch (type) {
	case CKM_SHA_1:
		*hash = CRY_HASH_SHA1;
		return true;
	case CKM_SHA224:
		*hash = CRY_HASH_SHA224;
		return true;
	case CKM_SHA256:
		*hash = CRY_HASH_SHA256;
		return true;
	case CKM_SHA384:
		*hash = CRY_HASH_SHA384;
		return true;
	case CKM_SHA512:
		*hash = CRY_HASH_SHA512;
		return true;
	default:
		return false;
	}
}

bool p11_hash_from_mgf(CK_RSA_PKCS_MGF_TYPE mgf, cry_hash *hash)
{
	switch (mgf) {
	case CKG_MGF1_SHA1:
		*hash = CRY_HASH_SHA1;
		return true;
	case CKG_MGF1_SHA224:
		*hash = CRY_HASH_SHA224;
		return true;
	case CKG_MGF1_SHA256:
		*hash = CRY_HASH_SHA256;
		return true;
	case CKG_MGF1_SHA384:
		*hash = CRY_HASH_SHA384;
		return true;
	case CKG_MGF1_SHA512:
		*hash = CRY_HASH_SHA512;
		return true;
	default:
		return false;
	}
}

static bool no_parameter(const CK_MECHANISM *mechanism)
{
	return mechanism->pParameter == NULL && mechanism->ulParameterLen == 0;
}

static CK_RV pss_params(const CK_MECHANISM *mechanism,
                        const p11_mechanism *info, cry_rsa_params *params)
{
	if (mechanism->pParameter == NULL ||
	    mechanism->ulParameterLen != sizeof(CK_RSA_PKCS_PSS_PARAMS))
		return CKR_MECHANISM_PARAM_INVALID;
	const CK_RSA_PKCS_PSS_PARAMS *pss = mechanism->pParameter;
	if (!p11_hash_from_mechanism(pss->hash_alg, &params->hash) ||
	    !p11_hash_from_mgf(pss->mgf, &params->mgf_hash))
		return CKR_MECHANISM_PARAM_INVALID;
	/* SHA*_RSA_PKCS_PSS hash the data with the mechanism's hash: the
	 * parameters must name the same one. */
	if (info->hashes && params->hash != info->hash)
		return CKR_MECHANISM_PARAM_INVALID;
	if (pss->s_len > 1024)
		return CKR_MECHANISM_PARAM_INVALID;
	params->salt_length = pss->s_len;
	return CKR_OK;
}

static CK_RV oaep_params(const CK_MECHANISM *mechanism, cry_rsa_params *params,
                         uint8_t **label)
{
	if (mechanism->pParameter == NULL ||
	    mechanism->ulParameterLen != sizeof(CK_RSA_PKCS_OAEP_PARAMS))
		return CKR_MECHANISM_PARAM_INVALID;
	const CK_RSA_PKCS_OAEP_PARAMS *oaep = mechanism->pParameter;
	if (!p11_hash_from_mechanism(oaep->hash_alg, &params->hash) ||
	    !p11_hash_from_mgf(oaep->mgf, &params->mgf_hash))
		return CKR_MECHANISM_PARAM_INVALID;
	if (oaep->source == 0) {
		if (oaep->source_data != NULL || oaep->source_data_len != 0)
			return CKR_MECHANISM_PARAM_INVALID;
		return CKR_OK;
	}
	if (oaep->source != CKZ_DATA_SPECIFIED ||
	    (oaep->source_data == NULL && oaep->source_data_len != 0) ||
	    oaep->source_data_len > 65536)
		return CKR_MECHANISM_PARAM_INVALID;
	if (oaep->source_data_len == 0)
		return CKR_OK;
	*label = malloc(oaep->source_data_len);
	if (*label == NULL)
		return CKR_HOST_MEMORY;
	memcpy(*label, oaep->source_data, oaep->source_data_len);
	params->label = *label;
	params->label_length = oaep->source_data_len;
	return CKR_OK;
}

CK_RV p11_rsa_params(const CK_MECHANISM *mechanism, const p11_mechanism *info,
                     cry_rsa_params *params, uint8_t **label)
{
	memset(params, 0, sizeof(*params));
	*label = NULL;
	params->padding = info->padding;
	params->hash = info->hash;
	params->mgf_hash = info->hash;
	params->digest_info = info->hashes;
	switch (info->padding) {
	case CRY_RSA_PAD_PSS:
		return pss_params(mechanism, info, params);
	case CRY_RSA_PAD_OAEP:
		return oaep_params(mechanism, params, label);
	default:
		return no_parameter(mechanism) ? CKR_OK
		                               : CKR_MECHANISM_PARAM_INVALID;
	}
}

static CK_RV iv_params(const CK_MECHANISM *mechanism, cry_cipher_params *params)
{
	if (mechanism->pParameter == NULL || mechanism->ulParameterLen != 16)
		return CKR_MECHANISM_PARAM_INVALID;
	params->iv = mechanism->pParameter;
	params->iv_length = 16;
	return CKR_OK;
}

static CK_RV ctr_params(const CK_MECHANISM *mechanism,
                        cry_cipher_params *params)
{
	if (mechanism->pParameter == NULL ||
	    mechanism->ulParameterLen != sizeof(CK_AES_CTR_PARAMS))
		return CKR_MECHANISM_PARAM_INVALID;
	const CK_AES_CTR_PARAMS *ctr = mechanism->pParameter;
	if (ctr->counter_bits == 0 || ctr->counter_bits > 128)
		return CKR_MECHANISM_PARAM_INVALID;
	params->iv = ctr->cb;
	params->iv_length = sizeof(ctr->cb);
	params->counter_length_bits = ctr->counter_bits;
	return CKR_OK;
}

static CK_RV gcm_params(const CK_MECHANISM *mechanism,
                        cry_cipher_params *params)
{
	if (mechanism->pParameter == NULL ||
	    mechanism->ulParameterLen != sizeof(CK_GCM_PARAMS))
		return CKR_MECHANISM_PARAM_INVALID;
	const CK_GCM_PARAMS *gcm = mechanism->pParameter;
	/* ulIvBits is informative in 3.0; when set it must agree. */
	if (gcm->iv_ptr == NULL || gcm->iv_len == 0 ||
	    (gcm->iv_bits != 0 && gcm->iv_bits != gcm->iv_len * 8) ||
	    (gcm->aad_ptr == NULL && gcm->aad_len != 0) ||
	    gcm->tag_bits % 8 != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	params->iv = gcm->iv_ptr;
	params->iv_length = gcm->iv_len;
	params->aad = gcm->aad_ptr;
	params->aad_length = gcm->aad_len;
	params->tag_length = gcm->tag_bits / 8;
	return CKR_OK;
}

static CK_RV ccm_params(const CK_MECHANISM *mechanism,
                        cry_cipher_params *params)
{
	if (mechanism->pParameter == NULL ||
	    mechanism->ulParameterLen != sizeof(GUARDHSM_CCM_PARAMS))
		return CKR_MECHANISM_PARAM_INVALID;
	const GUARDHSM_CCM_PARAMS *ccm = mechanism->pParameter;
	if (ccm->pNonce == NULL || (ccm->pAAD == NULL && ccm->ulAADLen != 0))
		return CKR_MECHANISM_PARAM_INVALID;
	params->iv = ccm->pNonce;
	params->iv_length = ccm->ulNonceLen;
	params->aad = ccm->pAAD;
	params->aad_length = ccm->ulAADLen;
	params->tag_length = ccm->ulMACLen;
	params->data_length = ccm->ulDataLen;
	return CKR_OK;
}

static CK_RV chacha_params(const CK_MECHANISM *mechanism,
                           cry_cipher_params *params)
{
	if (mechanism->pParameter == NULL ||
	    mechanism->ulParameterLen !=
	            sizeof(GUARDHSM_SALSA20_CHACHA20_POLY1305_PARAMS))
		return CKR_MECHANISM_PARAM_INVALID;
	const GUARDHSM_SALSA20_CHACHA20_POLY1305_PARAMS *chacha =
	        mechanism->pParameter;
	if (chacha->pNonce == NULL ||
	    (chacha->pAAD == NULL && chacha->ulAADLen != 0))
		return CKR_MECHANISM_PARAM_INVALID;
	params->iv = chacha->pNonce;
	params->iv_length = chacha->ulNonceLen;
	params->aad = chacha->pAAD;
	params->aad_length = chacha->ulAADLen;
	params->tag_length = 16;
	return CKR_OK;
}

/* KW and KWP take an optional alternative initial value. */
static CK_RV wrap_params(const CK_MECHANISM *mechanism,
                         cry_cipher_params *params)
{
	if (no_parameter(mechanism))
		return CKR_OK;
	if (mechanism->pParameter == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	params->iv = mechanism->pParameter;
	params->iv_length = mechanism->ulParameterLen;
	return CKR_OK;
}

CK_RV p11_cipher_params(const CK_MECHANISM *mechanism,
                        const p11_mechanism *info, size_t key_length,
                        cry_cipher_params *params)
{
	memset(params, 0, sizeof(*params));
	params->mode = info->mode;
	CK_RV rv;
	switch (info->mode) {
	case CRY_AES_ECB:
		rv = no_parameter(mechanism) ? CKR_OK
		                             : CKR_MECHANISM_PARAM_INVALID;
		break;
	case CRY_AES_CBC:
	case CRY_AES_CBC_PAD:
		rv = iv_params(mechanism, params);
		break;
	case CRY_AES_CTR:
		rv = ctr_params(mechanism, params);
		break;
	case CRY_AES_GCM:
		rv = gcm_params(mechanism, params);
		break;
	case CRY_AES_CCM:
		rv = ccm_params(mechanism, params);
		break;
	case CRY_CHACHA20_POLY1305:
		rv = chacha_params(mechanism, params);
		break;
	default:
		rv = wrap_params(mechanism, params);
		break;
	}
	if (rv != CKR_OK)
		return rv;
	switch (cry_cipher_check(params, key_length)) {
	case CRY_OK:
		return CKR_OK;
	case CRY_ERR_KEY:
		return CKR_KEY_SIZE_RANGE;
	default:
		return CKR_MECHANISM_PARAM_INVALID;
	}
}
