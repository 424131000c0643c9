/* src/event.c -- names of canonical operations.
 *
 * The table is indexed by tk_op; its order is the storage encoding. */
#include "src/event.h"

#include <string.h>

static const char *const op_names[TK_OP_COUNT_] = {
    "lookup",
    "search",
    "add",
    "update",
    "delete",
    "print",
    "export",
    "extract",
    "issue",
    "logon",
    "logoff",
    "logon_failure",
    "media_copy",
    "media_move",
    "device_connect",
    "device_disconnect",
    "other",
};

const char *tk_op_name(int op)
{
    if (op < 0 || op >= TK_OP_COUNT_)
        return NULL;
    return op_names[op];
}

int tk_op_parse(const char *p, size_t len)
{
    for (int i = 0; i < TK_OP_COUNT_; i++) {
        if (strlen(op_names[i]) == len && memcmp(op_names[i], p, len) == 0)
            return i;
    }
    return -1;
}
