/*
 * Message flags: parsing IMAP flag lists, keywords, and mail_flag().
 *
 * A flag list is checked completely before anything changes: one bad flag
 * means an ERROR and no change at all (no half-applied STORE, no keyword
 * created by a rejected command).
 */
#include <string.h>
#include "core.h"

/* Valid IMAP atom for a keyword: CHARs except atom-specials, ']' and the
 * wildcards, at most MAXUSERFLAG bytes. */
static int keyword_valid (const char *s, size_t len)
{
  size_t i;
  if (!len || len > MAXUSERFLAG) return 0;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char) s[i];
    if (c <= ' ' || c >= 0x7f || strchr ("(){%*\"\\]", c)) return 0;
  }
  return 1;
}

static int keyword_find (MAILSTREAM *stream, const char *s, size_t len)
{
  int i;
  for (i = 0; i < NUSERFLAGS; i++)
    if (stream->user_flags[i] && strlen (stream->user_flags[i]) == len &&
	!strncasecmp (stream->user_flags[i], s, len)) return i;
  return -1;
}

static int keyword_free_slot (MAILSTREAM *stream)
{
  int i;
  for (i = 0; i < NUSERFLAGS; i++) if (!stream->user_flags[i]) return i;
  return -1;
}

/* New keywords only where the stream allows them (stream->kwd_create),
 * for drivers reading the file too: UW ignores unknown keywords on a
 * read-only open. */
int mail_keyword_index (MAILSTREAM *stream, const char *name, int create)
{
  int i;
  size_t len;
  if (!stream || !name) return -1;
  len = strlen (name);
  if ((i = keyword_find (stream, name, len)) >= 0) return i;
  if (!create || (create != KW_ADOPT && !stream->kwd_create) ||
      !keyword_valid (name, len) ||
      (i = keyword_free_slot (stream)) < 0) return -1;
  stream->user_flags[i] = cpystr (name);
  if (keyword_free_slot (stream) < 0) stream->kwd_create = NIL;	/* full */
  return i;
}

static const struct {
  const char *name;
  long bit;
} sysflags[] = {
  { "Seen", fSEEN },
  { "Deleted", fDELETED },
  { "Flagged", fFLAGGED },
  { "Answered", fANSWERED },
  { "Draft", fDRAFT },
};

/* Parse flag into system bits and keyword bits.  With apply == 0 nothing
 * changes; with apply, new keywords are created.  -1 after logging. */
static int flags_parse (MAILSTREAM *stream, const char *flag, long *sys,
			unsigned long *uf, int apply)
{
  const char *s, *e, *end;
  size_t len, i;
  int k, newcount = 0, slots = 0;
  char newkw[NUSERFLAGS][MAXUSERFLAG + 1];

  *sys = 0;
  *uf = 0;
  if (!flag) return 0;
  len = strlen (flag);
  s = flag;
  end = flag + len;
  if (len && (*s == '(') != (end[-1] == ')')) {
    mail_log (stream, ERROR, "Bad flag list %.80s: unbalanced parentheses", flag);
    return -1;
  }
  if (len && *s == '(') {
    if (len < 2) {
      mail_log (stream, ERROR, "Bad flag list %.80s", flag);
      return -1;
    }
    s++;
    end--;
  }
  if (stream)
    for (k = 0; k < NUSERFLAGS; k++) if (!stream->user_flags[k]) slots++;
  while (s < end) {
    if (*s == ' ') {		/* tolerate runs of spaces */
      s++;
      continue;
    }
    for (e = s; e < end && *e != ' '; e++);
    len = e - s;
    if (*s == '\\') {		/* system flag */
      for (i = 0; i < sizeof sysflags / sizeof sysflags[0]; i++)
	if (strlen (sysflags[i].name) == len - 1 &&
	    !strncasecmp (sysflags[i].name, s + 1, len - 1)) break;
      if (i == sizeof sysflags / sizeof sysflags[0]) {
	mail_log (stream, ERROR, "Unsupported system flag: %.*s",
		  (int) (len > 80 ? 80 : len), s);
	return -1;
      }
      *sys |= sysflags[i].bit;
    }
    else if (!keyword_valid (s, len)) {
      mail_log (stream, ERROR, len > MAXUSERFLAG
		? "Invalid flag: %.*s... (keywords are at most 50 bytes)"
		: "Invalid flag: %.*s", (int) (len > 80 ? 80 : len), s);
      return -1;
    }
    else if (!stream) {
      mail_log (stream, ERROR, "Keyword %.*s needs a mailbox", (int) len, s);
      return -1;
    }
    else if ((k = keyword_find (stream, s, len)) >= 0) *uf |= 1UL << k;
    else {			/* a new keyword, unless already seen here */
      for (k = 0; k < newcount; k++)
	if (strlen (newkw[k]) == len && !strncasecmp (newkw[k], s, len)) break;
      if (k == newcount) {
	if (!stream->kwd_create) {
	  mail_log (stream, ERROR, "Can't create keyword %.*s: this mailbox "
		    "does not accept new keywords", (int) len, s);
	  return -1;
	}
	if (newcount >= slots) {
	  mail_log (stream, ERROR, "Can't create keyword %.*s: this mailbox "
		    "already has %d keywords", (int) len, s, NUSERFLAGS);
	  return -1;
	}
	memcpy (newkw[newcount], s, len);
	newkw[newcount++][len] = '\0';
      }
    }
    s = e;
  }
  if (apply)			/* everything checked: now create keywords */
    for (k = 0; k < newcount; k++) {
      int idx = mail_keyword_index (stream, newkw[k], 1);
      if (idx >= 0) *uf |= 1UL << idx;
    }
  return 0;
}

int mail_flags_parse (MAILSTREAM *stream, char *flag, long *sys,
		      unsigned long *uf)
{
  /* check the whole list first, then create keywords: a bad flag never
   * leaves new keywords behind */
  if (flags_parse (stream, flag, sys, uf, 0) < 0 ||
      flags_parse (stream, flag, sys, uf, 1) < 0) {
    *sys = 0;
    *uf = 0;
    return -1;
  }
  return 0;
}

void mail_elt_flags_text (MAILSTREAM *stream, MESSAGECACHE *elt,
			  struct buf *b)
{
  int i;
  if (elt->seen) buf_puts (b, " \\Seen");
  if (elt->deleted) buf_puts (b, " \\Deleted");
  if (elt->flagged) buf_puts (b, " \\Flagged");
  if (elt->answered) buf_puts (b, " \\Answered");
  if (elt->draft) buf_puts (b, " \\Draft");
  for (i = 0; i < NUSERFLAGS; i++)
    if ((elt->user_flags & (1UL << i)) && stream->user_flags[i]) {
      buf_putc (b, ' ');
      buf_puts (b, stream->user_flags[i]);
    }
}

long mail_parse_flags (MAILSTREAM *stream, char *flag, unsigned long *uf)
{
  long sys;
  unsigned long u;
  mail_flags_parse (stream, flag, &sys, &u);
  if (uf) *uf = u;
  return sys;
}

int mail_elt_apply_flags (MESSAGECACHE *elt, long sysflags,
			  unsigned long userflags, long set)
{
  unsigned int v = set ? 1 : 0;
  MESSAGECACHE old = *elt;
  if (sysflags & fSEEN) elt->seen = v;
  if (sysflags & fDELETED) elt->deleted = v;
  if (sysflags & fFLAGGED) elt->flagged = v;
  if (sysflags & fANSWERED) elt->answered = v;
  if (sysflags & fDRAFT) elt->draft = v;
  if (set) elt->user_flags |= userflags;
  else elt->user_flags &= ~userflags;
  return old.seen != elt->seen || old.deleted != elt->deleted ||
    old.flagged != elt->flagged || old.answered != elt->answered ||
    old.draft != elt->draft || old.user_flags != elt->user_flags;
}

void mail_flag (MAILSTREAM *stream, char *sequence, char *flag, long flags)
{
  MESSAGECACHE *elt;
  unsigned long i, uf;
  long sys;
  int changed, wasvalid;
  if (!stream || !stream->dtb) return;
  /* A driver with only .flag does everything itself (e.g. a server);
   * otherwise core changes the elts and calls .flagmsg around each. */
  if (stream->dtb->flagmsg || !stream->dtb->flag) {
    if (!((flags & ST_UID) ? mail_uid_sequence (stream, (unsigned char *) sequence)
	  : mail_sequence (stream, (unsigned char *) sequence))) return;
    if (flags_parse (stream, flag, &sys, &uf, 0) < 0 ||
	flags_parse (stream, flag, &sys, &uf, 1) < 0) return;
    for (i = 1; i <= stream->nmsgs; i++)
      if ((elt = mail_elt (stream, i))->sequence) {
	wasvalid = elt->valid;
	elt->valid = NIL;	/* "about to change" for the driver */
	if (stream->dtb->flagmsg) (*stream->dtb->flagmsg) (stream, elt);
	changed = mail_elt_apply_flags (elt, sys, uf, flags & ST_SET);
	elt->valid = T;		/* "changed" */
	if (stream->dtb->flagmsg) (*stream->dtb->flagmsg) (stream, elt);
	if ((changed || !wasvalid) && !(flags & ST_SILENT))
	  mail_flags_changed (stream, elt->msgno);
      }
  }
  if (stream->dtb->flag) (*stream->dtb->flag) (stream, sequence, flag, flags);
}

/* Set \Seen after a non-peek fetch (RFC 3501 BODY[]), never on a
 * read-only stream. */
void core_markseen (MAILSTREAM *stream, MESSAGECACHE *elt, long flags)
{
  unsigned long i, n;
  unsigned char *saved;
  char seq[32];
  if ((flags & FT_PEEK) || elt->seen || stream->rdonly || !stream->dtb) return;
  if (stream->dtb->flagmsg) {
    elt->valid = NIL;
    (*stream->dtb->flagmsg) (stream, elt);
    elt->seen = elt->valid = T;
    (*stream->dtb->flagmsg) (stream, elt);
  }
  else elt->seen = T;
  if (stream->dtb->flag) {
    /* the driver's flag call rewrites the sequence bits: keep ours */
    n = stream->nmsgs;
    saved = (unsigned char *) fs_get (n + 1);
    for (i = 1; i <= n; i++) saved[i] = mail_elt (stream, i)->sequence;
    snprintf (seq, sizeof seq, "%lu", elt->msgno);
    (*stream->dtb->flag) (stream, seq, "\\Seen", ST_SET);
    for (i = 1; i <= n && i <= stream->nmsgs; i++)
      mail_elt (stream, i)->sequence = saved[i];
    fs_give ((void **) &saved);
  }
  mail_flags_changed (stream, elt->msgno);
}
