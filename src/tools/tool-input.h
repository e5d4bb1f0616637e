#ifndef TOOL_INPUT_H
#define TOOL_INPUT_H

/* What the command-line tools accept as message input: a message file, a
   directory of message files, a Maildir (cur/ and new/), an mbox file, or
   "-" for standard input. Each message is handed over as an istream with
   the name it is reported under (an mbox message is "PATH:N"). */

struct istream;

typedef void tool_input_callback_t(const char *name, struct istream *input,
				   void *context);

/* Returns 0 when every input was read, -1 when some could not be (each
   such failure is logged with i_error() naming it). */
int tool_input_walk(const char *path, tool_input_callback_t *callback,
		    void *context);

#endif
