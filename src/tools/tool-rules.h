#ifndef TOOL_RULES_H
#define TOOL_RULES_H

/* The rules file a tool uses when none is given: $BOUNCE_RULES, else the
   installed one, else the one in the source tree the tool was built in
   (so a tool runs from the build tree without installing). */
const char *tool_rules_default_path(const char *argv0);

#endif
