/* Helpers for the cipher tests. */
#include "config.h"

#include "cipher_common.h"

#include <string.h>

cry_cipher_params cipher_params(cry_cipher_mode mode, const uint8_t *iv,
                                size_t iv_length)
{
	cry_cipher_params params;

	memset(&params, 0, sizeof(params));
	params.mode = mode;
	params.iv = iv;
	params.iv_length = iv_length;
	return params;
}

cry_status cipher_once(const enc_buffer *key, const cry_cipher_params *params,
                       bool encrypt, const uint8_t *input, size_t length,
                       uint8_t *output, size_t capacity, size_t *written)
{
	cry_cipher *cipher = NULL;
	cry_status status = cry_cipher_new(key, params, encrypt, &cipher);

	*written = 0;
	if (status != CRY_OK)
		return status;
	*written = capacity;
	status = cry_cipher_once(cipher, input, length, output, written);
	if (status != CRY_OK && status != CRY_ERR_BUFFER)
		*written = 0;
	cry_cipher_free(cipher);
	return status;
}

cry_status cipher_split(const enc_buffer *key, const cry_cipher_params *params,
                        bool encrypt, const uint8_t *input, size_t length,
                        const size_t *chunks, size_t chunk_count,
                        uint8_t *output, size_t capacity, size_t *written)
{
	cry_cipher *cipher = NULL;
	size_t offset = 0, total = 0, promised_total, promised, got;
	size_t turn = 0;
	cry_status status = cry_cipher_new(key, params, encrypt, &cipher);

	*written = 0;
	if (status != CRY_OK)
		return status;
	promised_total = cry_cipher_total_length(cipher, length);
	do {
		size_t part = chunks[turn++ % chunk_count];

		if (part > length - offset)
			part = length - offset;
		promised = cry_cipher_update_length(cipher, part);
		assert_true(total + promised <= capacity);
		got = capacity - total;
		status = cry_cipher_update(cipher, input + offset, part,
		                           output + total, &got);
		if (status != CRY_OK)
			goto done;
		assert_int_equal(promised, got);
		offset += part;
		total += got;
	} while (offset < length);
	promised = cry_cipher_final_length(cipher);
	got = capacity - total;
	status = cry_cipher_final(cipher, output + total, &got);
	if (status != CRY_OK)
		goto done;
	assert_true(got <= promised);
	total += got;
	assert_true(total <= promised_total);
	*written = total;
done:
	cry_cipher_free(cipher);
	return status;
}

void fill_bytes(uint8_t *data, size_t length, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < length; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (uint8_t)(x >> 16);
	}
}
