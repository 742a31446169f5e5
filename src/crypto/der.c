/*
 * guardhsm crypto: the DER reader and writer of der.h. No allocation, no
 * copy: reading yields views of the caller's bytes, writing fills the
 * caller's buffer. Values may be key material, so nothing is logged and
 * nothing is kept; the branches on a value (dropping its leading zeros)
 * reveal no more than its encoded length does.
 */
#include "config.h"

#include "crypto/der.h"
#include "crypto/internal.h"

#include <string.h>

#define LONG_FORM 0x80

/* The tag and length of the next element: the contents are
 * *header_length bytes in and *length long, all within *in. */
static bool read_header(const cry_der *in, uint8_t tag, size_t *header_length,
                        size_t *length)
{
	const uint8_t *data = in->data;

	if (in->length < 2 || data[0] != tag)
		return false;
	if ((data[1] & LONG_FORM) == 0) {
		*header_length = 2;
		*length = data[1];
	} else if (data[1] == (LONG_FORM | 1)) {
		/* Shortest form: the long form only from 128 on. */
		if (in->length < 3 || data[2] < LONG_FORM)
			return false;
		*header_length = 3;
		*length = data[2];
	} else if (data[1] == (LONG_FORM | 2)) {
		if (in->length < 4 || data[2] == 0)
			return false;
		*header_length = 4;
		*length = (size_t)data[2] << 8 | data[3];
	} else {
		/* Indefinite (0x80), or more length bytes than we allow. */
		return false;
	}
	return *length <= in->length - *header_length;
}

bool cry_der_peek(const cry_der *in, uint8_t tag)
{
	return in->length > 0 && in->data[0] == tag;
}

bool cry_der_take(cry_der *in, uint8_t tag, cry_der *contents)
{
	size_t header_length, length;

	if (!read_header(in, tag, &header_length, &length))
		return false;
	contents->data = in->data + header_length;
	contents->length = length;
	in->data += header_length + length;
	in->length -= header_length + length;
	return true;
}

bool cry_der_take_unsigned(cry_der *in, cry_der *magnitude)
{
	cry_der rest = *in, value;

	if (!cry_der_take(&rest, CRY_DER_INTEGER, &value) || value.length == 0)
		return false;
	if ((value.data[0] & 0x80) != 0)
		return false; /* negative */
	if (value.data[0] == 0 && value.length > 1) {
		/* A leading zero is only there to keep the value positive. */
		if ((value.data[1] & 0x80) == 0)
			return false;
		value.data++;
		value.length--;
	} else if (value.data[0] == 0) {
		value.length = 0; /* zero */
	}
	*magnitude = value;
	*in = rest;
	return true;
}

bool cry_der_take_small(cry_der *in, unsigned value)
{
	cry_der rest = *in, number;

	if (value > 0x7f || !cry_der_take(&rest, CRY_DER_INTEGER, &number) ||
	    number.length != 1 || number.data[0] != value)
		return false;
	*in = rest;
	return true;
}

size_t cry_der_size(size_t length)
{
	if (length > CRY_DER_MAX_LENGTH)
		return 0;
	if (length < LONG_FORM)
		return 2 + length;
	return (length <= 0xff ? 3 : 4) + length;
}

size_t cry_der_unsigned_length(const uint8_t *value, size_t length)
{
	length = cry_skip_zeros(&value, length);
	if (length == 0)
		return 1;
	return length + ((value[0] & 0x80) != 0);
}

uint8_t *cry_der_put_header(uint8_t *at, uint8_t tag, size_t length)
{
	*at++ = tag;
	if (length < LONG_FORM) {
		*at++ = (uint8_t)length;
	} else if (length <= 0xff) {
		*at++ = LONG_FORM | 1;
		*at++ = (uint8_t)length;
	} else {
		*at++ = LONG_FORM | 2;
		*at++ = (uint8_t)(length >> 8);
		*at++ = (uint8_t)length;
	}
	return at;
}

uint8_t *cry_der_put(uint8_t *at, uint8_t tag, const uint8_t *contents,
                     size_t length)
{
	at = cry_der_put_header(at, tag, length);
	if (length > 0)
		memcpy(at, contents, length);
	return at + length;
}

uint8_t *cry_der_put_unsigned(uint8_t *at, const uint8_t *value, size_t length)
{
	size_t encoded = cry_der_unsigned_length(value, length);

	length = cry_skip_zeros(&value, length);
	at = cry_der_put_header(at, CRY_DER_INTEGER, encoded);
	/* The sign byte, or the single zero of the value 0. */
	if (encoded > length)
		*at++ = 0;
	if (length > 0)
		memcpy(at, value, length);
	return at + length;
}
