/*
 * sasl.c: the parts of SASL both servers need: strict base64 for the
 * exchanges (RFC 4648; a response with bad base64 is refused, never
 * half-decoded) and the PLAIN message (RFC 4616).
 */
#include <string.h>
#include "server.h"

static int
b64_value (unsigned char c)
{
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int
sasl_base64_decode (const char *in, size_t len, struct buf *out)
{
  size_t i;
  buf_reset (out);
  if (len % 4)
    return -1;
  for (i = 0; i < len; i += 4) {
    int v[4], k, pad = 0;
    for (k = 0; k < 4; k++) {
      unsigned char c = (unsigned char) in[i + k];
      if (c == '=' && i + 4 == len && k >= 2) {
	v[k] = 0;
	pad++;
      }
      else if (pad || (v[k] = b64_value (c)) < 0)
	return -1;
    }
    buf_putc (out, (v[0] << 2) | (v[1] >> 4));
    if (pad < 2)
      buf_putc (out, ((v[1] & 15) << 4) | (v[2] >> 2));
    if (pad < 1)
      buf_putc (out, ((v[2] & 3) << 6) | v[3]);
  }
  return 0;
}

int
sasl_plain_split (struct buf *msg, const char **authz, const char **authc,
		  const char **pass)
{
  char *z = msg->data ? msg->data : "", *c, *p;
  size_t len = msg->len;
  c = memchr (z, '\0', len);
  p = c ? memchr (c + 1, '\0', len - (size_t) (c + 1 - z)) : NULL;
  if (!c || !p || memchr (p + 1, '\0', len - (size_t) (p + 1 - z)) || c + 1 == p)
    return -1;
  *authz = z;
  *authc = c + 1;
  *pass = p + 1;
  return 0;
}
