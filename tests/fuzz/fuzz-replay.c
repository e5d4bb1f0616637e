/* Runs the fuzz target over files, without libFuzzer: the regression
   inputs of tests/fuzz/regressions are replayed by make check this way,
   in every build, not only in the fuzzing one. */

#include "lib.h"
#include "buffer.h"
#include "istream.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void replay_file(const char *path)
{
	struct istream *input = i_stream_create_file(path, IO_BLOCK_SIZE);
	buffer_t *buf = buffer_create_dynamic(default_pool, 4096);
	const unsigned char *data;
	size_t size;

	while (i_stream_read_more(input, &data, &size) > 0) {
		buffer_append(buf, data, size);
		i_stream_skip(input, size);
	}
	if (input->stream_errno != 0)
		i_fatal("%s: %s", path, i_stream_get_error(input));
	i_stream_unref(&input);
	(void)LLVMFuzzerTestOneInput(buf->data, buf->used);
	buffer_free(&buf);
	printf("ok %s\n", path);
}

int main(int argc, char *argv[])
{
	int i;

	(void)LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		replay_file(argv[i]);
	return 0;
}
