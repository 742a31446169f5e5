/* Output and files: aligned tables, JSON strings, hex, progress bars on a
 * terminal, whole-file reads (secret ones into the enclave) and writes. */
#include "config.h"

#include "tools/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void util_table_init(util_table *table, const char **headers, size_t columns)
{
	memset(table, 0, sizeof(*table));
	table->headers = headers;
	table->columns = columns;
}

int util_table_add(util_table *table, const char *const *values)
{
	if (table->rows == table->capacity) {
		size_t grown = table->capacity ? table->capacity * 2 : 16;
		char **bigger = realloc(table->cells, grown * table->columns *
		                                              sizeof(char *));
		if (bigger == NULL)
			return -1;
		table->cells = bigger;
		table->capacity = grown;
	}
	char **row = table->cells + table->rows * table->columns;
	for (size_t i = 0; i < table->columns; i++) {
		row[i] = strdup(values[i] != NULL ? values[i] : "");
		if (row[i] == NULL) {
			while (i-- > 0)
				free(row[i]);
			return -1;
		}
	}
	table->rows++;
	return 0;
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width_of(const char *text)
{
	size_t width = 0;
	for (; *text != '\0'; text++)
		if (((unsigned char)*text & 0xc0) != 0x80)
			width++;
	return width;
}

static void print_cell(FILE *out, const char *text, size_t width, bool last)
{
	fputs(text, out);
	if (last)
		return;
	for (size_t pad = width_of(text); pad < width + 2; pad++)
		fputc(' ', out);
}

void util_table_print(const util_table *table, FILE *out)
{
	size_t widths[16] = {0};
	size_t columns = table->columns < 16 ? table->columns : 16;
	for (size_t c = 0; c < columns; c++) {
		widths[c] = width_of(table->headers[c]);
		for (size_t r = 0; r < table->rows; r++) {
			size_t w =
			        width_of(table->cells[r * table->columns + c]);
			if (w > widths[c])
				widths[c] = w;
		}
	}
	for (size_t c = 0; c < columns; c++)
		print_cell(out, table->headers[c], widths[c], c + 1 == columns);
	fputc('\n', out);
	for (size_t r = 0; r < table->rows; r++) {
		for (size_t c = 0; c < columns; c++)
			print_cell(out, table->cells[r * table->columns + c],
			           widths[c], c + 1 == columns);
		fputc('\n', out);
	}
}

void util_table_free(util_table *table)
{
	for (size_t i = 0; i < table->rows * table->columns; i++)
		free(table->cells[i]);
	free(table->cells);
	memset(table, 0, sizeof(*table));
}

/* RFC 8259 string: quote, backslash and control characters escaped. Bytes
 * that are not valid UTF-8 are written as U+FFFD, so the output always
 * parses. */
void util_json_string(FILE *out, const char *text, size_t length)
{
	const unsigned char *bytes = (const unsigned char *)text;
	fputc('"', out);
	for (size_t i = 0; i < length; i++) {
		unsigned char c = bytes[i];
		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
		} else if (c == '\n') {
			fputs("\\n", out);
		} else if (c == '\t') {
			fputs("\\t", out);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
		} else if (c < 0x80) {
			fputc(c, out);
		} else {
			/* A well-formed multi-byte sequence passes as is. */
			size_t need = (c & 0xe0) == 0xc0   ? 1
			              : (c & 0xf0) == 0xe0 ? 2
			              : (c & 0xf8) == 0xf0 ? 3
			                                   : 0;
			bool ok = need > 0 && c >= 0xc2 && c <= 0xf4;
			for (size_t k = 1; ok && k <= need; k++)
				ok = i + k < length &&
				     (bytes[i + k] & 0xc0) == 0x80;
			if (ok) {
				fwrite(bytes + i, 1, need + 1, out);
				i += need;
			} else {
				fputs("\\ufffd", out);
			}
		}
	}
	fputc('"', out);
}

void util_hex(const unsigned char *data, size_t length, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < length; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * length] = '\0';
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int util_hex_parse(const char *text, unsigned char **out, size_t *length)
{
	size_t digits = 0;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (digit_value(*p) < 0)
			return -1;
		digits++;
	}
	if (digits == 0 || digits % 2 != 0)
		return -1;
	*out = malloc(digits / 2);
	if (*out == NULL)
		return -1;
	size_t n = 0;
	int high = -1;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (high < 0) {
			high = digit_value(*p);
		} else {
			(*out)[n++] =
			        (unsigned char)(high << 4 | digit_value(*p));
			high = -1;
		}
	}
	*length = n;
	return 0;
}

/* ---- Progress ----------------------------------------------------------- */

#define BAR_WIDTH 30

void util_progress_start(util_progress *progress, const char *what,
                         unsigned long total)
{
	progress->shown = isatty(STDERR_FILENO) == 1 && total > 1;
	progress->what = what;
	progress->total = total;
	progress->last_width = -1;
	util_progress_update(progress, 0);
}

void util_progress_update(util_progress *progress, unsigned long done)
{
	if (!progress->shown)
		return;
	int width = (int)(progress->total ? done * BAR_WIDTH / progress->total
	                                  : BAR_WIDTH);
	if (width == progress->last_width && done != progress->total &&
	    done % 64 != 0)
		return;
	progress->last_width = width;
	char bar[BAR_WIDTH + 1];
	memset(bar, ' ', BAR_WIDTH);
	memset(bar, '#', (size_t)width);
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\r%s [%s] %lu/%lu", progress->what, bar, done,
	        progress->total);
	fflush(stderr);
}

void util_progress_end(util_progress *progress)
{
	if (progress->shown)
		fputc('\n', stderr);
	progress->shown = false;
}

/* ---- Files -------------------------------------------------------------- */

static int open_for_reading(const char *path, size_t limit, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat info;
	int problem = 0;
	if (fstat(fd, &info) != 0)
		problem = errno;
	else if (!S_ISREG(info.st_mode))
		problem = EISDIR;
	else if ((size_t)info.st_size > limit)
		problem = EFBIG;
	if (problem != 0) {
		close(fd);
		errno = problem;
		return -1;
	}
	*size = (size_t)info.st_size;
	return fd;
}

static int read_all(int fd, unsigned char *data, size_t size)
{
	size_t done = 0;
	while (done < size) {
		ssize_t got = read(fd, data + done, size - done);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		done += (size_t)got;
	}
	return 0;
}

static int read_error(const char *path)
{
	return util_error(errno == ENOENT ? UTIL_EXIT_NOT_FOUND
	                                  : UTIL_EXIT_INPUT,
	                  "cannot read %s: %s", path,
	                  errno == EFBIG ? "too large" : strerror(errno));
}

int util_file_read_secret(const char *path, size_t limit, enc_buffer **data,
                          size_t *length)
{
	size_t size;
	int fd = open_for_reading(path, limit, &size);
	if (fd < 0)
		return read_error(path);
	if (size == 0) {
		close(fd);
		return util_error(UTIL_EXIT_INPUT, "%s is empty", path);
	}
	if (enc_alloc(size, 0, data) != ENC_OK) {
		close(fd);
		return util_error(UTIL_EXIT_FAILED,
		                  "cannot allocate protected memory for %s",
		                  path);
	}
	/* read() straight into the locked buffer: no stdio copy. */
	if (read_all(fd, enc_data(*data), size) != 0) {
		int saved = errno;
		close(fd);
		enc_free(*data);
		*data = NULL;
		errno = saved;
		return read_error(path);
	}
	close(fd);
	enc_protect(*data, ENC_READONLY);
	*length = size;
	return UTIL_EXIT_OK;
}

int util_file_write(const char *path, const void *data, size_t length,
                    bool exclusive)
{
	if (path == NULL || strcmp(path, "-") == 0) {
		if (fwrite(data, 1, length, stdout) != length ||
		    fflush(stdout) != 0)
			return util_error(UTIL_EXIT_INPUT,
			                  "cannot write to standard output");
		return UTIL_EXIT_OK;
	}
	int flags =
	        O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
	int fd = open(path, flags, 0644);
	if (fd < 0)
		return util_error(UTIL_EXIT_INPUT, "cannot write %s: %s%s",
		                  path, strerror(errno),
		                  errno == EEXIST ? " (--force overwrites)"
		                                  : "");
	const unsigned char *bytes = data;
	size_t done = 0;
	while (done < length) {
		ssize_t put = write(fd, bytes + done, length - done);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0) {
			int saved = errno;
			close(fd);
			return util_error(UTIL_EXIT_INPUT,
			                  "cannot write %s: %s", path,
			                  strerror(saved));
		}
		done += (size_t)put;
	}
	if (close(fd) != 0)
		return util_error(UTIL_EXIT_INPUT, "cannot write %s: %s", path,
		                  strerror(errno));
	return UTIL_EXIT_OK;
}
