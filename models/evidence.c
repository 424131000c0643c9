/* models/evidence.c -- the log rows behind a ranked item.
 *
 * An evidence list is short (the rules keep 50 ids per finding by
 * default, the models 50 per item), so the rows are read by id
 * (tk_store_events_by_id: one primary-key lookup per block named) and
 * each row's names are resolved through the store's dictionaries, loaded
 * once per tk_evidence. Resident pseudonyms are looked up one subject at a
 * time rather than loading the whole subjects table, which holds every
 * resident the city's logs ever named. Upload file names are looked up
 * once per upload. What a row points to lives as long as the tk_evidence:
 * the dictionaries, and per row the copied detail and device strings. */
#include "models/evidence.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/alloc.h"
#include "src/event.h"
#include "src/store.h"

struct upload_name {
    int64_t id;
    char *name;
};

struct tk_evidence {
    tk_evidence_row *rows;
    size_t n, cap;
    size_t listed;
    uint64_t total;
    tk_store_names users, terminals, systems, functions, files, devices;
    struct upload_name *uploads;
    size_t nuploads, capuploads;
    /* per row: owned copies (detail, device name, serial) */
    char **owned;
    size_t nowned, capowned;
};

void tk_evidence_destroy(tk_evidence *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->nowned; i++)
        tk_free(e->owned[i]);
    tk_free(e->owned);
    for (size_t i = 0; i < e->nuploads; i++)
        tk_free(e->uploads[i].name);
    tk_free(e->uploads);
    tk_store_names_dispose(&e->users);
    tk_store_names_dispose(&e->terminals);
    tk_store_names_dispose(&e->systems);
    tk_store_names_dispose(&e->functions);
    tk_store_names_dispose(&e->files);
    tk_store_names_dispose(&e->devices);
    tk_free(e->rows);
    tk_free(e);
}

size_t tk_evidence_count(const tk_evidence *e)
{
    return e->n;
}

const tk_evidence_row *tk_evidence_row_at(const tk_evidence *e, size_t i)
{
    return i < e->n ? &e->rows[i] : NULL;
}

size_t tk_evidence_listed(const tk_evidence *e)
{
    return e->listed;
}

uint64_t tk_evidence_total(const tk_evidence *e)
{
    return e->total;
}

static const char *name_of(const tk_store_names *d, uint32_t id)
{
    return id != 0 && id < d->n ? d->names[id] : NULL;
}

/* Keeps a copy of p[0..len) for the life of e; NULL when out of memory. */
static const char *keep(tk_evidence *e, const char *p, size_t len)
{
    if (e->nowned == e->capowned) {
        const size_t cap = e->capowned ? e->capowned * 2 : 64;
        char **v = tk_realloc(e->owned, cap * sizeof *v);
        if (v == NULL)
            return NULL;
        e->owned = v;
        e->capowned = cap;
    }
    char *s = tk_strndup(p, len);
    if (s != NULL)
        e->owned[e->nowned++] = s;
    return s;
}

/* The file name of upload id, looked up once. */
static int upload_name(tk_evidence *e, tk_db *db, int64_t id, const char **out, tk_error *err)
{
    for (size_t i = 0; i < e->nuploads; i++) {
        if (e->uploads[i].id == id) {
            *out = e->uploads[i].name;
            return TK_OK;
        }
    }
    char buf[1024];
    int rc = tk_store_upload_file_name(db, id, buf, sizeof buf, err);
    if (rc == TK_ENOTFOUND) {
        snprintf(buf, sizeof buf, "upload #%lld", (long long)id);
        rc = TK_OK;
    }
    if (rc != TK_OK)
        return rc;
    if (e->nuploads == e->capuploads) {
        const size_t cap = e->capuploads ? e->capuploads * 2 : 8;
        struct upload_name *v = tk_realloc(e->uploads, cap * sizeof *v);
        if (v == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory reading evidence");
        e->uploads = v;
        e->capuploads = cap;
    }
    char *s = tk_strndup(buf, strlen(buf));
    if (s == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory reading evidence");
    e->uploads[e->nuploads].id = id;
    e->uploads[e->nuploads++].name = s;
    *out = s;
    return TK_OK;
}

struct reading {
    tk_evidence *e;
    tk_db *db;
    int rc;
    tk_error *err;
};

/* Turns one stored event into a row (called by tk_store_events_by_id). */
static int add_row(void *ctx, const tk_stored_event *ev)
{
    struct reading *r = ctx;
    tk_evidence *e = r->e;
    const tk_evrow *w = &ev->row;
    if (e->n == e->cap) {
        const size_t cap = e->cap ? e->cap * 2 : 32;
        tk_evidence_row *v = tk_realloc(e->rows, cap * sizeof *v);
        if (v == NULL) {
            r->rc = tk_error_set(r->err, TK_ENOMEM, "out of memory reading evidence");
            return 1;
        }
        e->rows = v;
        e->cap = cap;
    }
    tk_evidence_row *row = &e->rows[e->n];
    memset(row, 0, sizeof *row);
    row->id = ev->id;
    row->t = w->t;
    row->system = name_of(&e->systems, w->system);
    row->user = name_of(&e->users, w->user);
    row->user_resolved = w->user < e->users.n && e->users.resolved[w->user];
    row->terminal = name_of(&e->terminals, w->terminal);
    row->operation = tk_op_name(w->op);
    row->function = name_of(&e->functions, w->function);
    row->failed = w->result == TK_RESULT_FAILURE;
    row->count = w->count;
    row->bytes = w->bytes;
    row->mynumber = w->mynumber;
    row->media_file = name_of(&e->files, w->file);
    row->upload_id = ev->upload_id;
    row->record = w->record;
    int rc = TK_OK;
    if (w->subject != 0) {
        static const char hx[] = "0123456789abcdef";
        uint8_t ps[32];
        rc = tk_store_subject_pseudonym(r->db, w->subject, ps, r->err);
        for (size_t i = 0; rc == TK_OK && i < sizeof ps; i++) {
            row->resident[2 * i] = hx[ps[i] >> 4];
            row->resident[2 * i + 1] = hx[ps[i] & 15];
        }
        if (rc == TK_ENOTFOUND) /* a dangling id: say nothing rather than fail */
            rc = TK_OK;
    }
    const char *dev = name_of(&e->devices, w->device);
    if (rc == TK_OK && dev != NULL) { /* "name<TAB>serial" */
        const char *tab = strchr(dev, '\t');
        const size_t nl = tab ? (size_t)(tab - dev) : strlen(dev);
        row->device = nl ? keep(e, dev, nl) : NULL;
        row->serial = tab && tab[1] ? keep(e, tab + 1, strlen(tab + 1)) : NULL;
        if ((nl && row->device == NULL) || (tab && tab[1] && row->serial == NULL))
            rc = tk_error_set(r->err, TK_ENOMEM, "out of memory reading evidence");
    }
    if (rc == TK_OK && w->detail != NULL) {
        row->detail = keep(e, w->detail, w->detail_len);
        if (row->detail == NULL)
            rc = tk_error_set(r->err, TK_ENOMEM, "out of memory reading evidence");
    }
    if (rc == TK_OK)
        rc = upload_name(e, r->db, ev->upload_id, &row->file_name, r->err);
    if (rc != TK_OK) {
        r->rc = rc;
        return 1;
    }
    e->n++;
    return 0;
}

/* Compares two optional strings, absent first. */
static int cmp_str(const char *x, const char *y)
{
    if (x == NULL || y == NULL)
        return (x != NULL) - (y != NULL);
    return strcmp(x, y);
}

/* Time, then what the rows say, then the file and record they came from:
 * not the event id, which follows the order the files were uploaded in,
 * so rows at one time are listed alike whatever that order. Only rows
 * from two uploads of the same name with the same record fall back to
 * the id. */
static int cmp_row(const void *a, const void *b)
{
    const tk_evidence_row *x = a, *y = b;
    int c;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if ((c = cmp_str(x->system, y->system)) != 0 || (c = cmp_str(x->user, y->user)) != 0 ||
        (c = cmp_str(x->terminal, y->terminal)) != 0 ||
        (c = cmp_str(x->operation, y->operation)) != 0 ||
        (c = cmp_str(x->function, y->function)) != 0)
        return c;
    if (x->failed != y->failed)
        return x->failed - y->failed;
    if (x->count != y->count)
        return x->count < y->count ? -1 : 1;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? -1 : 1;
    if (x->mynumber != y->mynumber)
        return x->mynumber - y->mynumber;
    if ((c = strcmp(x->resident, y->resident)) != 0 || (c = cmp_str(x->device, y->device)) != 0 ||
        (c = cmp_str(x->serial, y->serial)) != 0 ||
        (c = cmp_str(x->media_file, y->media_file)) != 0 ||
        (c = cmp_str(x->detail, y->detail)) != 0 || (c = cmp_str(x->file_name, y->file_name)) != 0)
        return c;
    if (x->record != y->record)
        return x->record < y->record ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_id(const void *a, const void *b)
{
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Distinct ids of ids[0..n). */
static size_t distinct(const int64_t *ids, size_t n, tk_error *err, int *rc)
{
    *rc = TK_OK;
    if (n == 0)
        return 0;
    int64_t *v = tk_calloc(n, sizeof *v);
    if (v == NULL) {
        *rc = tk_error_set(err, TK_ENOMEM, "out of memory reading evidence");
        return 0;
    }
    memcpy(v, ids, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_id);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += i == 0 || v[i] != v[i - 1];
    tk_free(v);
    return k;
}

int tk_evidence_load(tk_db *db, const int64_t *ids, size_t n, tk_evidence **out, tk_error *err)
{
    *out = NULL;
    tk_evidence *e = tk_calloc(1, sizeof *e);
    if (e == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory reading evidence");
    int rc;
    e->listed = distinct(ids, n, err, &rc);
    e->total = e->listed;
    if (rc == TK_OK)
        rc = tk_store_names_load(db, TK_STORE_USERS, &e->users, err);
    if (rc == TK_OK)
        rc = tk_store_names_load(db, TK_STORE_TERMINALS, &e->terminals, err);
    if (rc == TK_OK)
        rc = tk_store_names_load(db, TK_STORE_SYSTEMS, &e->systems, err);
    if (rc == TK_OK)
        rc = tk_store_names_load(db, TK_STORE_FUNCTIONS, &e->functions, err);
    if (rc == TK_OK)
        rc = tk_store_names_load(db, TK_STORE_FILES, &e->files, err);
    if (rc == TK_OK)
        rc = tk_store_names_load(db, TK_STORE_DEVICES, &e->devices, err);
    if (rc == TK_OK) {
        struct reading r = {e, db, TK_OK, err};
        rc = tk_store_events_by_id(db, ids, n, add_row, &r, err);
        if (r.rc != TK_OK)
            rc = r.rc;
    }
    if (rc != TK_OK) {
        tk_evidence_destroy(e);
        return rc;
    }
    if (e->n > 1)
        qsort(e->rows, e->n, sizeof *e->rows, cmp_row);
    *out = e;
    return TK_OK;
}

int tk_evidence_of_explanation(tk_db *db, const char *explanation, tk_evidence **out, tk_error *err)
{
    int64_t *ids = NULL;
    size_t n = 0;
    *out = NULL;
    json_error_t je;
    json_t *ex = json_loads(explanation, 0, &je);
    if (ex == NULL)
        return tk_error_set(err, TK_EPARSE, "an item's explanation is not JSON: %s", je.text);
    const json_t *ev = json_object_get(ex, "evidence");
    int rc = TK_OK;
    ids = tk_calloc(json_array_size(ev) + 1, sizeof *ids);
    if (ids == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory reading evidence");
        goto done;
    }
    for (size_t i = 0; i < json_array_size(ev); i++) {
        const json_t *v = json_array_get(ev, i);
        if (json_is_integer(v))
            ids[n++] = (int64_t)json_integer_value(v);
    }
    rc = tk_evidence_load(db, ids, n, out, err);
    if (rc == TK_OK) {
        const json_t *total = json_object_get(ex, "evidence_total");
        if (json_is_integer(total) && json_integer_value(total) > 0 &&
            (uint64_t)json_integer_value(total) > (*out)->listed)
            (*out)->total = (uint64_t)json_integer_value(total);
    }
done:
    json_decref(ex);
    tk_free(ids);
    return rc;
}
