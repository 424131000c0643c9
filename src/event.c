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

/* The words a city's staff use for each operation (as its systems' own log
 * layouts: 照会, 更新, 発行, …). */
static const char *const op_labels_ja[TK_OP_COUNT_] = {
    "照会",       "検索",       "登録",         "更新",         "削除",     "印刷",
    "出力",       "抽出",       "発行",         "ログオン",     "ログオフ", "ログオン失敗",
    "媒体へ複製", "媒体へ移動", "デバイス接続", "デバイス切断", "その他",
};

const char *tk_op_label_ja(int op)
{
    if (op < 0 || op >= TK_OP_COUNT_)
        return NULL;
    return op_labels_ja[op];
}

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
