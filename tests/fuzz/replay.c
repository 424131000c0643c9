/* tests/fuzz/replay.c -- runs a libFuzzer target over its seed corpus.
 *
 * Builds without libFuzzer (gcc) link this driver instead, so every fuzz
 * target still runs in the plain test build: each file in the corpus
 * directory given as argv[1] is passed once to LLVMFuzzerTestOneInput. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (d == NULL) {
        perror(argv[1]);
        return 2;
    }
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
        FILE *f = fopen(path, "rb");
        if (f == NULL)
            continue;
        uint8_t *buf = malloc(1 << 20);
        const size_t len = buf ? fread(buf, 1, 1 << 20, f) : 0;
        fclose(f);
        if (buf != NULL) {
            LLVMFuzzerTestOneInput(buf, len);
            n++;
        }
        free(buf);
    }
    closedir(d);
    printf("%u passed, 0 failed\n", n);
    return 0;
}
