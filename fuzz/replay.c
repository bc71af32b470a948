/*
 * A main() for the fuzz targets where libFuzzer is not available (gcc):
 * link it with one fuzz-NAME.c and run
 *   ./replay-NAME DIR-or-FILE...
 * Every regular file (directories are read one level deep) is given to
 * LLVMFuzzerTestOneInput() once.  A failed check or a sanitizer report
 * aborts; otherwise the exit status is 0 and the count goes to stdout.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static unsigned long ran;

static int run_file (const char *path)
{
  FILE *f = fopen (path, "rb");
  unsigned char *data = NULL;
  size_t len = 0, cap = 0, n;
  if (!f) {
    perror (path);
    return -1;
  }
  for (;;) {
    if (cap - len < 4096) {
      unsigned char *p = realloc (data, cap = cap * 2 + 8192);
      if (!p) { fclose (f); free (data); return -1; }
      data = p;
    }
    if (!(n = fread (data + len, 1, cap - len, f))) break;
    len += n;
  }
  fclose (f);
  fprintf (stderr, "replay %s (%zu bytes)\n", path, len);
  /* an exact-size copy, so ASan sees reads past the input's end */
  {
    unsigned char *exact = malloc (len ? len : 1);
    if (!exact) { free (data); return -1; }
    if (len) memcpy (exact, data, len);
    free (data);
    LLVMFuzzerTestOneInput (exact, len);
    free (exact);
  }
  ran++;
  return 0;
}

static int cmp (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int main (int argc, char **argv)
{
  int i, bad = 0;
  for (i = 1; i < argc; i++) {
    struct stat st;
    if (stat (argv[i], &st)) {
      perror (argv[i]);
      bad = 1;
      continue;
    }
    if (S_ISDIR (st.st_mode)) {
      DIR *d = opendir (argv[i]);
      struct dirent *e;
      char **names = NULL;
      size_t nn = 0, k;
      if (!d) { perror (argv[i]); bad = 1; continue; }
      while ((e = readdir (d))) {
	char *p;
	struct stat fs;
	size_t pl = strlen (argv[i]) + strlen (e->d_name) + 2;
	if (e->d_name[0] == '.') continue;
	if (!(p = malloc (pl))) abort ();
	snprintf (p, pl, "%s/%s", argv[i], e->d_name);
	if (stat (p, &fs) || !S_ISREG (fs.st_mode)) { free (p); continue; }
	if (!(names = realloc (names, (nn + 1) * sizeof *names))) abort ();
	names[nn++] = p;
      }
      closedir (d);
      qsort (names, nn, sizeof *names, cmp);	/* a stable order to replay */
      for (k = 0; k < nn; k++) {
	if (run_file (names[k])) bad = 1;
	free (names[k]);
      }
      free (names);
    }
    else if (run_file (argv[i])) bad = 1;
  }
  printf ("replayed %lu inputs\n", ran);
  return bad;
}
