/*
 * Bamboo IMAP c-client: the mailbox API.
 *
 * Names, structures, fields and constants match UW c-client (imap-2007f) so
 * that applications written for it compile unchanged.  Numeric values match
 * too, because some applications store or print them.  See docs/api.md.
 */
#ifndef BAMBOO_MAIL_H
#define BAMBOO_MAIL_H

#include <stddef.h>
#include <time.h>

#define CCLIENTVERSION "2007f"	/* API level we are compatible with */
#define BAMBOOVERSION "0.1"

/* ---- sizes kept from UW (applications size buffers with these) ---- */
#define CACHEINCREMENT 250	/* message cache growth step */
#define MAILTMPLEN 1024		/* size of a scratch buffer */
#define SENDBUFLEN 16385	/* SMTP send buffer */
#define MAXAUTHENTICATORS 8
#define MAXMESSAGES (unsigned long) 1000000000
#define MAXLOGINTRIALS 3
#define MAXWILDCARDS 10
#define NUSERFLAGS 30		/* keywords per mailbox */
#define MAXUSERFLAG 50		/* longest keyword */
#define BASEYEAR 1970		/* MESSAGECACHE.year is relative to this */
#define BADHOST ".MISSING-HOST-NAME."
#define ERRHOST ".SYNTAX-ERROR."

#define NIL 0
#define T 1
#define LONGT (long) 1
#define VOIDT (void *) ""

/* ---- mail_parameters() function codes ---- */
#define ENABLE_DRIVER (long) 1
#define DISABLE_DRIVER (long) 2
#define ENABLE_AUTHENTICATOR (long) 3
#define DISABLE_AUTHENTICATOR (long) 4
#define ENABLE_DEBUG (long) 5
#define DISABLE_DEBUG (long) 6
#define HIDE_AUTHENTICATOR (long) 7
#define UNHIDE_AUTHENTICATOR (long) 8

/* 100 block: mail layer */
#define GET_DRIVERS (long) 101
#define SET_DRIVERS (long) 102
#define GET_GETS (long) 103
#define SET_GETS (long) 104
#define GET_CACHE (long) 105
#define SET_CACHE (long) 106
#define GET_SMTPVERBOSE (long) 107
#define SET_SMTPVERBOSE (long) 108
#define GET_RFC822OUTPUT (long) 109
#define SET_RFC822OUTPUT (long) 110
#define GET_READPROGRESS (long) 111
#define SET_READPROGRESS (long) 112
#define GET_THREADERS (long) 113
#define SET_THREADERS (long) 114
#define GET_NAMESPACE (long) 115
#define SET_NAMESPACE (long) 116
#define GET_MAILPROXYCOPY (long) 117
#define SET_MAILPROXYCOPY (long) 118
#define GET_SERVICENAME (long) 119
#define SET_SERVICENAME (long) 120
#define GET_DRIVER (long) 121
#define SET_DRIVER (long) 122
#define GET_EXPUNGEATPING (long) 123
#define SET_EXPUNGEATPING (long) 124
#define GET_PARSEPHRASE (long) 125
#define SET_PARSEPHRASE (long) 126
#define GET_SSLDRIVER (long) 127
#define SET_SSLDRIVER (long) 128
#define GET_TRYSSLFIRST (long) 129
#define SET_TRYSSLFIRST (long) 130
#define GET_BLOCKNOTIFY (long) 131
#define SET_BLOCKNOTIFY (long) 132
#define GET_SORTRESULTS (long) 133
#define SET_SORTRESULTS (long) 134
#define GET_THREADRESULTS (long) 135
#define SET_THREADRESULTS (long) 136
#define GET_PARSELINE (long) 137
#define SET_PARSELINE (long) 138
#define GET_NEWSRCQUERY (long) 139
#define SET_NEWSRCQUERY (long) 140
#define GET_FREEENVELOPESPAREP (long) 141
#define SET_FREEENVELOPESPAREP (long) 142
#define GET_FREEELTSPAREP (long) 143
#define SET_FREEELTSPAREP (long) 144
#define GET_SSLSTART (long) 145
#define SET_SSLSTART (long) 146
#define GET_DEBUGSENSITIVE (long) 147
#define SET_DEBUGSENSITIVE (long) 148
#define GET_TCPDEBUG (long) 149
#define SET_TCPDEBUG (long) 150
#define GET_FREESTREAMSPAREP (long) 151
#define SET_FREESTREAMSPAREP (long) 152
#define GET_FREEBODYSPAREP (long) 153
#define SET_FREEBODYSPAREP (long) 154
#define GET_COPYUID (long) 155
#define SET_COPYUID (long) 156
#define GET_APPENDUID (long) 157
#define SET_APPENDUID (long) 158
#define GET_RFC822OUTPUTFULL (long) 159
#define SET_RFC822OUTPUTFULL (long) 160
#define GET_BLOCKENVINIT (long) 161
#define SET_BLOCKENVINIT (long) 162
/* Bamboo additions (outside UW's numbering) */
#define GET_CALLBACKS (long) 190	/* const struct mail_callbacks * */
#define SET_CALLBACKS (long) 191

/* 200 block: environment */
#define GET_USERNAME (long) 201
#define SET_USERNAME (long) 202
#define GET_HOMEDIR (long) 203
#define SET_HOMEDIR (long) 204
#define GET_LOCALHOST (long) 205
#define SET_LOCALHOST (long) 206
#define GET_SYSINBOX (long) 207
#define SET_SYSINBOX (long) 208
#define GET_USERPROMPT (long) 209
#define SET_USERPROMPT (long) 210
#define GET_DISABLEPLAINTEXT (long) 211
#define SET_DISABLEPLAINTEXT (long) 212
#define GET_CHROOTSERVER (long) 213
#define SET_CHROOTSERVER (long) 214
#define GET_ADVERTISETHEWORLD (long) 215
#define SET_ADVERTISETHEWORLD (long) 216
#define GET_DISABLEAUTOSHAREDNS (long) 217
#define SET_DISABLEAUTOSHAREDNS (long) 218
#define GET_MAILSUBDIR (long) 219
#define SET_MAILSUBDIR (long) 220
#define GET_DISABLE822TZTEXT (long) 221
#define SET_DISABLE822TZTEXT (long) 222
#define GET_LIMITEDADVERTISE (long) 223
#define SET_LIMITEDADVERTISE (long) 224
#define GET_LOGOUTHOOK (long) 225
#define SET_LOGOUTHOOK (long) 226
#define GET_LOGOUTDATA (long) 227
#define SET_LOGOUTDATA (long) 228
#define GET_EXTERNALAUTHID (long) 229
#define SET_EXTERNALAUTHID (long) 230
#define GET_SSLCAPATH (long) 231
#define SET_SSLCAPATH (long) 232
/* Bamboo: the spool directory (MAILSPOOL at build time) */
#define GET_MAILSPOOLDIR (long) 233
#define SET_MAILSPOOLDIR (long) 234
/* Bamboo: the servers' checkpassword program ("set checkpassword") */
#define GET_CHECKPASSWORD (long) 235
#define SET_CHECKPASSWORD (long) 236
/* Bamboo: where the servers look for <program>[-<ip>].pem and its key
 * ("set tls-certificate-directory", "set tls-key-directory") */
#define GET_TLSCERTDIR (long) 237
#define SET_TLSCERTDIR (long) 238
#define GET_TLSKEYDIR (long) 239
#define SET_TLSKEYDIR (long) 240
/* Bamboo: the setgid mlock helper ("set mlock-path"; not absolute: none) */
#define GET_MLOCKPATH (long) 241
#define SET_MLOCKPATH (long) 242

/* 300 block: TCP */
#define GET_OPENTIMEOUT (long) 300
#define SET_OPENTIMEOUT (long) 301
#define GET_READTIMEOUT (long) 302
#define SET_READTIMEOUT (long) 303
#define GET_WRITETIMEOUT (long) 304
#define SET_WRITETIMEOUT (long) 305
#define GET_CLOSETIMEOUT (long) 306
#define SET_CLOSETIMEOUT (long) 307
#define GET_TIMEOUT (long) 308
#define SET_TIMEOUT (long) 309
#define GET_RSHTIMEOUT (long) 310
#define SET_RSHTIMEOUT (long) 311
#define GET_ALLOWREVERSEDNS (long) 312
#define SET_ALLOWREVERSEDNS (long) 313
#define GET_RSHCOMMAND (long) 314
#define SET_RSHCOMMAND (long) 315
#define GET_RSHPATH (long) 316
#define SET_RSHPATH (long) 317
#define GET_SSHTIMEOUT (long) 318
#define SET_SSHTIMEOUT (long) 319
#define GET_SSHCOMMAND (long) 320
#define SET_SSHCOMMAND (long) 321
#define GET_SSHPATH (long) 322
#define SET_SSHPATH (long) 323
#define GET_SSLCERTIFICATEQUERY (long) 324
#define SET_SSLCERTIFICATEQUERY (long) 325
#define GET_SSLFAILURE (long) 326
#define SET_SSLFAILURE (long) 327
#define GET_NEWSRCCANONHOST (long) 328
#define SET_NEWSRCCANONHOST (long) 329
#define GET_KINIT (long) 330
#define SET_KINIT (long) 331
#define GET_SSLCLIENTCERT (long) 332
#define SET_SSLCLIENTCERT (long) 333
#define GET_SSLCLIENTKEY (long) 334
#define SET_SSLCLIENTKEY (long) 335
#define GET_KERBEROS_CP_SVR_NAME (long) 336
#define SET_KERBEROS_CP_SVR_NAME (long) 337

/* 400 block: network protocol drivers */
#define GET_MAXLOGINTRIALS (long) 400
#define SET_MAXLOGINTRIALS (long) 401
#define GET_LOOKAHEAD (long) 402
#define SET_LOOKAHEAD (long) 403
#define GET_IMAPPORT (long) 404
#define SET_IMAPPORT (long) 405
#define GET_PREFETCH (long) 406
#define SET_PREFETCH (long) 407
#define GET_CLOSEONERROR (long) 408
#define SET_CLOSEONERROR (long) 409
#define GET_POP3PORT (long) 410
#define SET_POP3PORT (long) 411
#define GET_UIDLOOKAHEAD (long) 412
#define SET_UIDLOOKAHEAD (long) 413
#define GET_NNTPPORT (long) 414
#define SET_NNTPPORT (long) 415
#define GET_IMAPENVELOPE (long) 416
#define SET_IMAPENVELOPE (long) 417
#define GET_IMAPREFERRAL (long) 418
#define SET_IMAPREFERRAL (long) 419
#define GET_SSLIMAPPORT (long) 420
#define SET_SSLIMAPPORT (long) 421
#define GET_SSLPOPPORT (long) 422
#define SET_SSLPOPPORT (long) 423
#define GET_SSLNNTPPORT (long) 424
#define SET_SSLNNTPPORT (long) 425
#define GET_SSLSMTPPORT (long) 426
#define SET_SSLSMTPPORT (long) 427
#define GET_SMTPPORT (long) 428
#define SET_SMTPPORT (long) 429
#define GET_IMAPEXTRAHEADERS (long) 430
#define SET_IMAPEXTRAHEADERS (long) 431
#define GET_ACL (long) 432
#define SET_ACL (long) 433
#define GET_LISTRIGHTS (long) 434
#define SET_LISTRIGHTS (long) 435
#define GET_MYRIGHTS (long) 436
#define SET_MYRIGHTS (long) 437
#define GET_QUOTA (long) 438
#define SET_QUOTA (long) 439
#define GET_QUOTAROOT (long) 440
#define SET_QUOTAROOT (long) 441
#define GET_IMAPTRYSSL (long) 442
#define SET_IMAPTRYSSL (long) 443
#define GET_FETCHLOOKAHEAD (long) 444
#define SET_FETCHLOOKAHEAD (long) 445
#define GET_NNTPRANGE (long) 446
#define SET_NNTPRANGE (long) 447
#define GET_NNTPHIDEPATH (long) 448
#define SET_NNTPHIDEPATH (long) 449
#define GET_SENDCOMMAND (long) 450
#define SET_SENDCOMMAND (long) 451
#define GET_IDLETIMEOUT (long) 452
#define SET_IDLETIMEOUT (long) 453
#define GET_FETCHLOOKAHEADLIMIT (long) 454
#define SET_FETCHLOOKAHEADLIMIT (long) 455

/* 500 block: local file drivers */
#define GET_MBXPROTECTION (long) 500
#define SET_MBXPROTECTION (long) 501
#define GET_DIRPROTECTION (long) 502
#define SET_DIRPROTECTION (long) 503
#define GET_LOCKPROTECTION (long) 504
#define SET_LOCKPROTECTION (long) 505
#define GET_FROMWIDGET (long) 506
#define SET_FROMWIDGET (long) 507
#define GET_NEWSACTIVE (long) 508
#define SET_NEWSACTIVE (long) 509
#define GET_NEWSSPOOL (long) 510
#define SET_NEWSSPOOL (long) 511
#define GET_NEWSRC (long) 512
#define SET_NEWSRC (long) 513
#define GET_EXTENSION (long) 514
#define SET_EXTENSION (long) 515
#define GET_DISABLEFCNTLLOCK (long) 516
#define SET_DISABLEFCNTLLOCK (long) 517
#define GET_LOCKEACCESERROR (long) 518
#define SET_LOCKEACCESERROR (long) 519
#define GET_LISTMAXLEVEL (long) 520
#define SET_LISTMAXLEVEL (long) 521
#define GET_ANONYMOUSHOME (long) 522
#define SET_ANONYMOUSHOME (long) 523
#define GET_FTPHOME (long) 524
#define SET_FTPHOME (long) 525
#define GET_PUBLICHOME (long) 526
#define SET_PUBLICHOME (long) 527
#define GET_SHAREDHOME (long) 528
#define SET_SHAREDHOME (long) 529
#define GET_MHPROFILE (long) 530
#define SET_MHPROFILE (long) 531
#define GET_MHPATH (long) 532
#define SET_MHPATH (long) 533
#define GET_ONETIMEEXPUNGEATPING (long) 534
#define SET_ONETIMEEXPUNGEATPING (long) 535
#define GET_USERHASNOLIFE (long) 536
#define SET_USERHASNOLIFE (long) 537
#define GET_FTPPROTECTION (long) 538
#define SET_FTPPROTECTION (long) 539
#define GET_PUBLICPROTECTION (long) 540
#define SET_PUBLICPROTECTION (long) 541
#define GET_SHAREDPROTECTION (long) 542
#define SET_SHAREDPROTECTION (long) 543
#define GET_LOCKTIMEOUT (long) 544
#define SET_LOCKTIMEOUT (long) 545
#define GET_NOTIMEZONES (long) 546
#define SET_NOTIMEZONES (long) 547
#define GET_HIDEDOTFILES (long) 548
#define SET_HIDEDOTFILES (long) 549
#define GET_FTPDIRPROTECTION (long) 550
#define SET_FTPDIRPROTECTION (long) 551
#define GET_PUBLICDIRPROTECTION (long) 552
#define SET_PUBLICDIRPROTECTION (long) 553
#define GET_SHAREDDIRPROTECTION (long) 554
#define SET_SHAREDDIRPROTECTION (long) 555
#define GET_TRUSTDNS (long) 556
#define SET_TRUSTDNS (long) 557
#define GET_SASLUSESPTRNAME (long) 558
#define SET_SASLUSESPTRNAME (long) 559
#define GET_NETFSSTATBUG (long) 560
#define SET_NETFSSTATBUG (long) 561
#define GET_SNARFMAILBOXNAME (long) 562
#define SET_SNARFMAILBOXNAME (long) 563
#define GET_SNARFINTERVAL (long) 564
#define SET_SNARFINTERVAL (long) 565
#define GET_SNARFPRESERVE (long) 566
#define SET_SNARFPRESERVE (long) 567
#define GET_INBOXPATH (long) 568
#define SET_INBOXPATH (long) 569
#define GET_DIRFMTTEST (long) 570
#define SET_DIRFMTTEST (long) 571
#define GET_SCANCONTENTS (long) 572
#define SET_SCANCONTENTS (long) 573
#define GET_MHALLOWINBOX (long) 574
#define SET_MHALLOWINBOX (long) 575
#define GET_ANNOTATION (long) 576
#define SET_ANNOTATION (long) 577

/* ---- driver flags (DRIVER.flags) ---- */
#define DR_DISABLE (long) 0x1
#define DR_LOCAL (long) 0x2
#define DR_MAIL (long) 0x4
#define DR_NEWS (long) 0x8
#define DR_READONLY (long) 0x10
#define DR_NOFAST (long) 0x20
#define DR_NAMESPACE (long) 0x40
#define DR_LOWMEM (long) 0x80
#define DR_LOCKING (long) 0x100
#define DR_CRLF (long) 0x200
#define DR_NOSTICKY (long) 0x400
#define DR_RECYCLE (long) 0x800
#define DR_XPOINT (long) 0x1000
#define DR_NOINTDATE (long) 0x2000
#define DR_NONEWMAIL (long) 0x4000
#define DR_NONEWMAILRONLY (long) 0x8000
#define DR_HALFOPEN (long) 0x10000
#define DR_DIRFMT (long) 0x20000
#define DR_MODSEQ (long) 0x40000
/* Bamboo: a single-writer format; its read/write sessions hold UW's
 * /tmp/.<dev>.<ino> session lock and obey the kiss of death */
#define DR_SESSIONLOCK (long) 0x1000000

/* ---- cache manager operations ---- */
#define CH_INIT (long) 10
#define CH_SIZE (long) 11
#define CH_MAKEELT (long) 30
#define CH_ELT (long) 31
#define CH_SORTCACHE (long) 35
#define CH_FREE (long) 40
#define CH_FREESORTCACHE (long) 43
#define CH_EXPUNGE (long) 45

/* ---- mail_open() options ---- */
#define OP_DEBUG (long) 0x1
#define OP_READONLY (long) 0x2
#define OP_ANONYMOUS (long) 0x4
#define OP_SHORTCACHE (long) 0x8
#define OP_SILENT (long) 0x10
#define OP_PROTOTYPE (long) 0x20
#define OP_HALFOPEN (long) 0x40
#define OP_EXPUNGE (long) 0x80
#define OP_SECURE (long) 0x100
#define OP_TRYSSL (long) 0x200
#define OP_MULNEWSRC (long) 0x400
#define OP_NOKOD (long) 0x800
#define OP_SNIFF (long) 0x1000
#define OP_RESERVED (unsigned long) 0xff000000

#define NET_SILENT ((unsigned long) 0x80000000)
#define NET_NOVALIDATECERT ((unsigned long) 0x40000000)
#define NET_NOOPENTIMEOUT ((unsigned long) 0x20000000)
#define NET_TLSCLIENT ((unsigned long) 0x10000000)
#define NET_TRYSSL ((unsigned long) 0x8000000)

#define CL_EXPUNGE (long) 1	/* mail_close_full() */

/* ---- fetch options ---- */
#define FT_UID (long) 0x1
#define FT_PEEK (long) 0x2
#define FT_NOT (long) 0x4
#define FT_INTERNAL (long) 0x8
#define FT_PREFETCHTEXT (long) 0x20
#define FT_NOHDRS (long) 0x40
#define FT_NEEDENV (long) 0x80
#define FT_NEEDBODY (long) 0x100
#define FT_NOLOOKAHEAD (long) 0x200
#define FT_SEARCHLOOKAHEAD (long) 0x400
#define FT_RETURNSTRINGSTRUCT (long) 0x800

#define ST_UID (long) 0x1	/* mail_flag() */
#define ST_SILENT (long) 0x2
#define ST_SET (long) 0x4

#define EX_UID (long) 0x1	/* mail_expunge_full() */

#define CP_UID (long) 0x1	/* mail_copy_full() */
#define CP_MOVE (long) 0x2
#define CP_DEBUG (long) 0x20000000

#define SE_UID (long) 0x1	/* mail_search_full() */
#define SE_FREE (long) 0x2
#define SE_NOPREFETCH (long) 0x4
#define SO_FREE (long) 0x8
#define SE_NOSERVER (long) 0x10
#define SE_RETAIN (long) 0x20
#define SO_OVERVIEW (long) 0x40
#define SE_NEEDBODY (long) 0x80
#define SE_NOHDRS (long) 0x100
#define SE_NOLOCAL (long) 0x200
#define SO_NOSERVER SE_NOSERVER
#define SE_SILLYOK (long) 0x400

#define SA_MESSAGES (long) 0x1	/* mail_status() */
#define SA_RECENT (long) 0x2
#define SA_UNSEEN (long) 0x4
#define SA_UIDNEXT (long) 0x8
#define SA_UIDVALIDITY (long) 0x10
#define SA_DEBUG (long) 0x10000000
#define SA_MULNEWSRC (long) 0x20000000

#define MG_UID (long) 0x1	/* mailgets flags */
#define MG_COPY (long) 0x2

#define AU_SECURE (long) 0x1	/* authenticator flags */
#define AU_AUTHUSER (long) 0x2
#define AU_HIDE (long) 0x10000000
#define AU_DISABLE (long) 0x20000000

#define GC_ELT (long) 0x1	/* mail_gc() */
#define GC_ENV (long) 0x2
#define GC_TEXTS (long) 0x4

/* mm_log() / mm_notify() severities */
#define WARN (long) 1
#define ERROR (long) 2
#define PARSE (long) 3
#define BYE (long) 4
#define TCPDEBUG (long) 5

/* system flag bits, as drivers store them */
#define fSEEN 0x1
#define fDELETED 0x2
#define fFLAGGED 0x4
#define fANSWERED 0x8
#define fOLD 0x10
#define fDRAFT 0x20
#define fEXPUNGED 0x8000

/* mm_list() attributes */
#define LATT_NOINFERIORS (long) 0x1
#define LATT_NOSELECT (long) 0x2
#define LATT_MARKED (long) 0x4
#define LATT_UNMARKED (long) 0x8
#define LATT_REFERRAL (long) 0x10
#define LATT_HASCHILDREN (long) 0x20
#define LATT_HASNOCHILDREN (long) 0x40

/* sort functions */
#define SORTDATE 0
#define SORTARRIVAL 1
#define SORTFROM 2
#define SORTSUBJECT 3
#define SORTTO 4
#define SORTCC 5
#define SORTSIZE 6

/* referral codes */
#define REFAUTHFAILED (long) 0
#define REFAUTH (long) 1
#define REFSELECT (long) 2
#define REFCREATE (long) 3
#define REFDELETE (long) 4
#define REFRENAME (long) 5
#define REFSUBSCRIBE (long) 6
#define REFUNSUBSCRIBE (long) 7
#define REFSTATUS (long) 8
#define REFCOPY (long) 9
#define REFAPPEND (long) 10

#define SC_EXPUNGEDEFERRED (long) 1

/* blocknotify reasons */
#define BLOCK_NONE 0
#define BLOCK_SENSITIVE 1
#define BLOCK_NONSENSITIVE 2
#define BLOCK_DNSLOOKUP 10
#define BLOCK_TCPOPEN 11
#define BLOCK_TCPREAD 12
#define BLOCK_TCPWRITE 13
#define BLOCK_TCPCLOSE 14
#define BLOCK_FILELOCK 20

/* ---- body types and encodings (index into body_types[]/body_encodings[]) ---- */
#define TYPETEXT 0
#define TYPEMULTIPART 1
#define TYPEMESSAGE 2
#define TYPEAPPLICATION 3
#define TYPEAUDIO 4
#define TYPEIMAGE 5
#define TYPEVIDEO 6
#define TYPEMODEL 7
#define TYPEOTHER 8
#define TYPEMAX 15

#define ENC7BIT 0
#define ENC8BIT 1
#define ENCBINARY 2
#define ENCBASE64 3
#define ENCQUOTEDPRINTABLE 4
#define ENCOTHER 5
#define ENCMAX 10

/* mail_fetch_structure() body extension levels, as UW names them */
#define BODYEXTMD5 1
#define BODYEXTDSP 2
#define BODYEXTLANG 3
#define BODYEXTLOC 4

/* ====================================================================== */
/* Structures.  The struct tags and typedef names are UW's.               */

#define SIZEDTEXT struct mail_sizedtext
#define STRINGLIST struct string_list
#define ADDRESS struct mail_address
#define BODY struct mail_bodystruct
#define MESSAGE struct mail_body_message
#define PARAMETER struct mail_body_parameter
#define PART struct mail_body_part
#define PARTTEXT struct mail_body_text
#define STRINGDRIVER struct string_driver
#define SEARCHPGM struct search_program
#define SEARCHHEADER struct search_header
#define SEARCHSET struct search_set
#define SEARCHOR struct search_or
#define SEARCHPGMLIST struct search_pgm_list
#define SORTPGM struct sort_program
#define SORTCACHE struct sort_cache
#define ACLLIST struct acl_list
#define ANNOTATION_VALUES struct annotation_value_list
#define ANNOTATION struct annotation
#define QUOTALIST struct quota_list
#define DRIVER struct driver
#define NETDRIVER struct net_driver
#define THREADNODE struct thread_node
#define THREADER struct threader_list
#define NAMESPACE struct mail_namespace
#define AUTHENTICATOR struct mail_authenticator

SIZEDTEXT {			/* counted text; data is NUL-terminated too */
  unsigned char *data;
  unsigned long size;
};

STRINGLIST {
  SIZEDTEXT text;
  STRINGLIST *next;
};

#define NETMAXHOST 256
#define NETMAXUSER 65
#define NETMAXMBX (MAILTMPLEN/4)
#define NETMAXSRV 21

typedef struct net_mailbox {	/* parsed {host/options}mailbox */
  char host[NETMAXHOST];
  char orighost[NETMAXHOST];
  char user[NETMAXUSER];
  char authuser[NETMAXUSER];
  char mailbox[NETMAXMBX];
  char service[NETMAXSRV];
  unsigned long port;
  unsigned int anoflag : 1;
  unsigned int dbgflag : 1;
  unsigned int secflag : 1;
  unsigned int sslflag : 1;
  unsigned int trysslflag : 1;
  unsigned int novalidate : 1;
  unsigned int tlsflag : 1;
  unsigned int notlsflag : 1;
  unsigned int readonlyflag : 1;
  unsigned int norsh : 1;
  unsigned int loser : 1;
  unsigned int tlssslv23 : 1;
} NETMBX;

ADDRESS {			/* one RFC 5322 address, or a group marker */
  char *personal;		/* phrase (display name), decoded as sent */
  char *adl;			/* source route, "@a,@b" */
  char *mailbox;		/* local part; group name at group start */
  char *host;			/* domain; NIL at group start and end */
  char *error;			/* parse error, if any */
  struct {
    char *type;
    char *addr;
  } orcpt;			/* DSN original recipient */
  ADDRESS *next;
};

typedef struct mail_envelope {
  unsigned int incomplete : 1;	/* only some fields are filled */
  unsigned int imapenvonly : 1;
  char *remail;
  ADDRESS *return_path;
  unsigned char *date;
  ADDRESS *from;
  ADDRESS *sender;
  ADDRESS *reply_to;
  char *subject;
  ADDRESS *to;
  ADDRESS *cc;
  ADDRESS *bcc;
  char *in_reply_to;
  char *message_id;
  char *newsgroups;
  char *followup_to;
  char *references;
  void *sparep;
} ENVELOPE;

PARTTEXT {			/* a piece of a message: offset and text */
  unsigned long offset;		/* offset from the start of the message */
  SIZEDTEXT text;		/* cached text, if any */
};

BODY {
  unsigned short type;		/* TYPE* */
  unsigned short encoding;	/* ENC* */
  char *subtype;		/* upper case */
  PARAMETER *parameter;
  char *id;
  char *description;
  struct {
    char *type;			/* upper case */
    PARAMETER *parameter;
  } disposition;
  STRINGLIST *language;
  char *location;
  PARTTEXT mime;		/* this part's MIME header */
  PARTTEXT contents;		/* this part's body */
  union {
    PART *part;			/* multipart: the parts */
    MESSAGE *msg;		/* message/rfc822: the encapsulated message */
  } nested;
  struct {
    unsigned long lines;
    unsigned long bytes;
  } size;
  char *md5;
  void *sparep;
};

PARAMETER {
  char *attribute;		/* upper case */
  char *value;
  PARAMETER *next;
};

PART {
  BODY body;
  PART *next;
};

MESSAGE {			/* message/rfc822 body and cached texts */
  ENVELOPE *env;
  BODY *body;
  PARTTEXT full;
  STRINGLIST *lines;
  PARTTEXT header;
  PARTTEXT text;
};

/* Per-message cache element */
typedef struct message_cache {
  unsigned long msgno;
  unsigned int lockcount : 8;	/* references held; freed when zero */
  unsigned long rfc822_size;	/* size in CRLF form */
  struct {			/* for drivers only */
    unsigned long uid;
    unsigned long mod;		/* modseq */
    PARTTEXT special;		/* driver-specific (e.g. mbox From_ line) */
    MESSAGE msg;		/* parsed message and cached texts */
    union {
      unsigned long data;
      void *ptr;
    } spare;
    unsigned int sequence : 1;	/* in the current UID sequence */
    unsigned int dirty : 1;	/* flags need writing back */
    unsigned int filter : 1;
    unsigned int ghost : 1;
  } private;
  /* internal date */
  unsigned int day : 5;		/* 1..31 */
  unsigned int month : 4;	/* 1..12 */
  unsigned int year : 7;	/* years since BASEYEAR */
  unsigned int hours : 5;
  unsigned int minutes : 6;
  unsigned int seconds : 6;
  unsigned int zoccident : 1;	/* 1 if west of UTC */
  unsigned int zhours : 4;
  unsigned int zminutes : 6;
  /* system flags */
  unsigned int seen : 1;
  unsigned int deleted : 1;
  unsigned int flagged : 1;
  unsigned int answered : 1;
  unsigned int draft : 1;
  unsigned int recent : 1;
  unsigned int valid : 1;	/* flags known */
  unsigned int searched : 1;	/* matched the last search */
  unsigned int sequence : 1;	/* in the current sequence */
  unsigned int spare : 1;	/* free for applications */
  unsigned int spare2 : 1;
  unsigned int spare3 : 1;
  unsigned int spare4 : 1;
  unsigned int spare5 : 1;
  unsigned int spare6 : 1;
  unsigned int spare7 : 1;
  unsigned int spare8 : 1;
  void *sparep;
  unsigned long user_flags;	/* bit n = stream->user_flags[n] */
} MESSAGECACHE;

/* Strings with pluggable storage */
typedef struct mailstring {
  void *data;
  unsigned long data1;
  unsigned long size;		/* total size */
  char *chunk;			/* current chunk */
  unsigned long chunksize;
  unsigned long offset;		/* position of chunk in the string */
  char *curpos;
  unsigned long cursize;	/* bytes left in chunk */
  STRINGDRIVER *dtb;
} STRING;

STRINGDRIVER {
  void (*init) (STRING *s, void *data, unsigned long size);
  char (*next) (STRING *s);
  void (*setpos) (STRING *s, unsigned long i);
};

#define INIT(s,d,data,size) ((*((s)->dtb = &d)->init) (s,data,size))
#define SIZE(s) ((s)->size - GETPOS (s))
#define CHR(s) (*(s)->curpos)
#define SNX(s) (--(s)->cursize ? *(s)->curpos++ : (*(s)->dtb->next) (s))
#define GETPOS(s) ((s)->offset + ((s)->curpos - (s)->chunk))
#define SETPOS(s,i) (*(s)->dtb->setpos) (s,i)

/* Search programs (RFC 3501 SEARCH) */
SEARCHHEADER {
  SIZEDTEXT line;		/* header field name */
  SIZEDTEXT text;		/* text to find */
  SEARCHHEADER *next;
};

SEARCHSET {			/* a range; 0xffffffff is "*" */
  unsigned long first;
  unsigned long last;
  SEARCHSET *next;
};

SEARCHOR {
  SEARCHPGM *first;
  SEARCHPGM *second;
  SEARCHOR *next;
};

SEARCHPGMLIST {
  SEARCHPGM *pgm;
  SEARCHPGMLIST *next;
};

SEARCHPGM {			/* all members are ANDed */
  SEARCHSET *msgno;
  SEARCHSET *uid;
  SEARCHOR *or;
  SEARCHPGMLIST *not;
  SEARCHHEADER *header;
  STRINGLIST *bcc;
  STRINGLIST *body;
  STRINGLIST *cc;
  STRINGLIST *from;
  STRINGLIST *keyword;
  STRINGLIST *unkeyword;
  STRINGLIST *subject;
  STRINGLIST *text;
  STRINGLIST *to;
  unsigned long larger;
  unsigned long smaller;
  unsigned long older;		/* WITHIN: seconds */
  unsigned long younger;
  unsigned short sentbefore;	/* dates from mail_shortdate() */
  unsigned short senton;
  unsigned short sentsince;
  unsigned short before;
  unsigned short on;
  unsigned short since;
  unsigned int answered : 1;
  unsigned int unanswered : 1;
  unsigned int deleted : 1;
  unsigned int undeleted : 1;
  unsigned int draft : 1;
  unsigned int undraft : 1;
  unsigned int flagged : 1;
  unsigned int unflagged : 1;
  unsigned int recent : 1;
  unsigned int old : 1;
  unsigned int seen : 1;
  unsigned int unseen : 1;
  STRINGLIST *return_path;
  STRINGLIST *sender;
  STRINGLIST *reply_to;
  STRINGLIST *in_reply_to;
  STRINGLIST *message_id;
  STRINGLIST *newsgroups;
  STRINGLIST *followup_to;
  STRINGLIST *references;
};

/* mail_status() result */
typedef struct mbx_status {
  long flags;			/* SA_* that are valid */
  unsigned long messages;
  unsigned long recent;
  unsigned long unseen;
  unsigned long uidnext;
  unsigned long uidvalidity;
} MAILSTATUS;

/* Sorting */
typedef void (*postsort_t) (void *sc);

SORTPGM {
  unsigned int reverse : 1;
  unsigned int abort : 1;
  short function;		/* SORT* */
  unsigned long nmsgs;
  struct {
    unsigned long cached;
    unsigned long sorted;
    unsigned long postsorted;
  } progress;
  postsort_t postsort;
  SORTPGM *next;
};

SORTCACHE {
  unsigned int sorted : 1;
  unsigned int postsorted : 1;
  unsigned int refwd : 1;	/* subject was a reply or forward */
  unsigned int dirty : 1;
  SORTPGM *pgm;
  unsigned long num;		/* message number (or UID) */
  unsigned long date;		/* mail_longdate() of the sent date */
  unsigned long arrival;
  unsigned long size;
  char *from;
  char *to;
  char *cc;
  char *subject;		/* RFC 5256 base subject */
  char *message_id;
  char *unique;
  STRINGLIST *references;
};

ACLLIST {
  char *identifier;
  char *rights;
  ACLLIST *next;
};

QUOTALIST {
  char *name;
  unsigned long usage;
  unsigned long limit;
  QUOTALIST *next;
};

ANNOTATION_VALUES {
  char *attr;
  char *value;
  ANNOTATION_VALUES *next;
};

ANNOTATION {
  char *mbox;
  char *entry;
  ANNOTATION_VALUES *values;
};

/* Mail stream: one open mailbox */
typedef struct mail_stream {
  DRIVER *dtb;			/* the driver in charge */
  void *local;			/* driver's private state */
  char *mailbox;		/* canonical name */
  char *original_mailbox;	/* name as the application gave it */
  unsigned short use;
  unsigned short sequence;	/* bumped on every open, for handles */
  unsigned int inbox : 1;
  unsigned int lock : 1;	/* a driver call is in progress */
  unsigned int debug : 1;
  unsigned int silent : 1;	/* no mm_exists/mm_expunged (status use) */
  unsigned int rdonly : 1;
  unsigned int anonymous : 1;
  unsigned int scache : 1;	/* short cache */
  unsigned int halfopen : 1;
  unsigned int secure : 1;
  unsigned int tryssl : 1;
  unsigned int mulnewsrc : 1;
  unsigned int perm_seen : 1;	/* permanent flags */
  unsigned int perm_deleted : 1;
  unsigned int perm_flagged : 1;
  unsigned int perm_answered : 1;
  unsigned int perm_draft : 1;
  unsigned int kwd_create : 1;	/* new keywords can be created */
  unsigned int uid_nosticky : 1;
  unsigned int unhealthy : 1;
  unsigned int nokod : 1;
  unsigned int sniff : 1;
  unsigned long perm_user_flags;
  unsigned long gensym;
  unsigned long nmsgs;
  unsigned long recent;
  unsigned long uid_validity;
  unsigned long uid_last;
  char *user_flags[NUSERFLAGS];	/* keyword names */
  unsigned long cachesize;
  MESSAGECACHE **cache;
  SORTCACHE **sc;
  unsigned long msgno;		/* message whose texts are cached below */
  ENVELOPE *env;
  BODY *body;
  SIZEDTEXT text;
  struct {
    char *name;			/* spool to move new mail from */
    unsigned long time;
    long options;
  } snarf;
  struct {
    struct {
      STRINGLIST *string;
      long result;
      char *text;
    } search;
    STRING string;
  } private;
  void *sparep;
  unsigned int spare : 1;
  unsigned int spare2 : 1;
  unsigned int spare3 : 1;
  unsigned int spare4 : 1;
  unsigned int spare5 : 1;
  unsigned int spare6 : 1;
  unsigned int spare7 : 1;
  unsigned int spare8 : 1;
  /* Bamboo: where this stream reports events; see struct mail_callbacks */
  const struct mail_callbacks *callbacks;
  void *callback_data;		/* for the application's callbacks */
} MAILSTREAM;

typedef struct mail_stream_handle {
  MAILSTREAM *stream;
  unsigned short sequence;
} MAILHANDLE;

typedef struct mail_overview {
  char *subject;
  ADDRESS *from;
  char *date;
  char *message_id;
  char *references;
  struct {
    unsigned long octets;
    unsigned long lines;
    char *xref;
  } optional;
} OVERVIEW;

typedef struct net_stream {
  void *stream;
  NETDRIVER *dtb;
} NETSTREAM;

NETDRIVER {
  void *(*open) (char *host, char *service, unsigned long port);
  void *(*aopen) (NETMBX *mb, char *service, char *usrbuf);
  char *(*getline) (void *stream);
  long (*getbuffer) (void *stream, unsigned long size, char *buffer);
  long (*soutr) (void *stream, char *string);
  long (*sout) (void *stream, char *string, unsigned long size);
  void (*close) (void *stream);
  char *(*host) (void *stream);
  char *(*remotehost) (void *stream);
  unsigned long (*port) (void *stream);
  char *(*localhost) (void *stream);
};

typedef struct getsdata {	/* what mailgets is being asked to read */
  MAILSTREAM *stream;
  unsigned long msgno;
  char *what;
  STRINGLIST *stl;
  unsigned long first;
  unsigned long last;
  long flags;
} GETS_DATA;

#define INIT_GETS(md,s,m,w,f,l) \
  md.stream = s, md.msgno = m, md.what = w, md.first = f, md.last = l, \
  md.stl = NIL, md.flags = NIL;

/* Callback and hook types */
typedef long (*readfn_t) (void *stream, unsigned long size, char *buffer);
typedef char *(*mailgets_t) (readfn_t f, void *stream, unsigned long size,
			     GETS_DATA *md);
typedef char *(*readprogress_t) (GETS_DATA *md, unsigned long octets);
typedef void *(*mailcache_t) (MAILSTREAM *stream, unsigned long msgno, long op);
typedef long (*mailproxycopy_t) (MAILSTREAM *stream, char *sequence,
				 char *mailbox, long options);
typedef long (*tcptimeout_t) (long overall, long last);
typedef void *(*authchallenge_t) (void *stream, unsigned long *len);
typedef long (*authrespond_t) (void *stream, char *s, unsigned long size);
typedef long (*authcheck_t) (void);
typedef long (*authclient_t) (authchallenge_t challenger,
			      authrespond_t responder, char *service,
			      NETMBX *mb, void *s, unsigned long *trial,
			      char *user);
typedef char *(*authresponse_t) (void *challenge, unsigned long clen,
				 unsigned long *rlen);
typedef char *(*authserver_t) (authresponse_t responder, int argc,
			       char *argv[]);
typedef void (*smtpverbose_t) (char *buffer);
typedef void (*imapenvelope_t) (MAILSTREAM *stream, unsigned long msgno,
				ENVELOPE *env);
typedef char *(*imapreferral_t) (MAILSTREAM *stream, char *url, long code);
typedef void (*overview_t) (MAILSTREAM *stream, unsigned long uid,
			    OVERVIEW *ov, unsigned long msgno);
typedef unsigned long *(*sorter_t) (MAILSTREAM *stream, char *charset,
				    SEARCHPGM *spg, SORTPGM *pgm, long flags);
typedef void (*parseline_t) (ENVELOPE *env, char *hdr, char *data, char *host);
typedef ADDRESS *(*parsephrase_t) (char *phrase, char *end, char *host);
typedef void *(*blocknotify_t) (int reason, void *data);
typedef long (*kinit_t) (char *host, char *reason);
typedef void (*sendcommand_t) (MAILSTREAM *stream, char *cmd, long flags);
typedef char *(*newsrcquery_t) (MAILSTREAM *stream, char *mulname, char *name);
typedef void (*getacl_t) (MAILSTREAM *stream, char *mailbox, ACLLIST *acl);
typedef void (*listrights_t) (MAILSTREAM *stream, char *mailbox, char *id,
			      char *alwaysrights, STRINGLIST *possiblerights);
typedef void (*myrights_t) (MAILSTREAM *stream, char *mailbox, char *rights);
typedef void (*quota_t) (MAILSTREAM *stream, char *qroot, QUOTALIST *qlist);
typedef void (*quotaroot_t) (MAILSTREAM *stream, char *mbx, STRINGLIST *qroot);
typedef void (*sortresults_t) (MAILSTREAM *stream, unsigned long *list,
			       unsigned long size);
typedef char *(*userprompt_t) (void);
typedef long (*append_t) (MAILSTREAM *stream, void *data, char **flags,
			  char **date, STRING **message);
typedef void (*copyuid_t) (MAILSTREAM *stream, char *mailbox,
			   unsigned long uidvalidity, SEARCHSET *sourceset,
			   SEARCHSET *destset);
typedef void (*appenduid_t) (char *mailbox, unsigned long uidvalidity,
			     SEARCHSET *set);
typedef long (*dirfmttest_t) (char *name);
typedef long (*scancontents_t) (char *name, char *contents, unsigned long csiz,
				unsigned long fsiz);
typedef void (*freeeltsparep_t) (void **sparep);
typedef void (*freeenvelopesparep_t) (void **sparep);
typedef void (*freebodysparep_t) (void **sparep);
typedef void (*freestreamsparep_t) (void **sparep);
typedef void *(*sslstart_t) (void *stream, char *host, unsigned long flags);
typedef long (*sslcertificatequery_t) (char *reason, char *host, char *cert);
typedef void (*sslfailure_t) (char *host, char *reason, unsigned long flags);
typedef void (*logouthook_t) (void *data);
typedef char *(*sslclientcert_t) (void);
typedef char *(*sslclientkey_t) (void);
typedef void (*getannotation_t) (MAILSTREAM *stream, ANNOTATION *annot);

extern char *body_types[];	/* TYPE* names, upper case */
extern char *body_encodings[];	/* ENC* names, upper case */
extern const char *days[];	/* "Sun" .. "Sat" */
extern const char *months[];	/* "Jan" .. "Dec" */

THREADNODE {
  unsigned long num;		/* message number or UID; 0 for a dummy */
  SORTCACHE *sc;
  THREADNODE *branch;		/* next sibling (UW: "branch of this thread") */
  THREADNODE *next;		/* first child (UW: "next node") */
};

typedef void (*threadresults_t) (MAILSTREAM *stream, THREADNODE *tree);

THREADER {
  char *name;
  THREADNODE *(*dispatch) (MAILSTREAM *stream, char *charset, SEARCHPGM *spg,
			   long flags, sorter_t sorter);
  THREADER *next;
};

typedef void **container_t;

NAMESPACE {
  char *name;
  int delimiter;
  PARAMETER *param;
  NAMESPACE *next;
};

AUTHENTICATOR {
  long flags;
  char *name;
  authcheck_t valid;
  authclient_t client;
  authserver_t server;
  AUTHENTICATOR *next;
};

/*
 * A mailbox format driver.  Field names and order are UW's; our drivers
 * fill them with designated initializers.  A NIL slot means "not supported"
 * and core falls back to a generic implementation where one exists
 * (structure, header/text via msgdata, search, sort, thread, fast, msgflags,
 * uid/msgno, overview, gc).
 */
DRIVER {
  char *name;
  unsigned long flags;		/* DR_* */
  DRIVER *next;
  DRIVER *(*valid) (char *mailbox);
  void *(*parameters) (long function, void *value);
  void (*scan) (MAILSTREAM *stream, char *ref, char *pat, char *contents);
  void (*list) (MAILSTREAM *stream, char *ref, char *pat);
  void (*lsub) (MAILSTREAM *stream, char *ref, char *pat);
  long (*subscribe) (MAILSTREAM *stream, char *mailbox);
  long (*unsubscribe) (MAILSTREAM *stream, char *mailbox);
  long (*create) (MAILSTREAM *stream, char *mailbox);
  long (*mbxdel) (MAILSTREAM *stream, char *mailbox);
  long (*mbxren) (MAILSTREAM *stream, char *old, char *newname);
  long (*status) (MAILSTREAM *stream, char *mbx, long flags);
  MAILSTREAM *(*open) (MAILSTREAM *stream);
  void (*close) (MAILSTREAM *stream, long options);
  void (*fast) (MAILSTREAM *stream, char *sequence, long flags);
  void (*msgflags) (MAILSTREAM *stream, char *sequence, long flags);
  long (*overview) (MAILSTREAM *stream, overview_t ofn);
  ENVELOPE *(*structure) (MAILSTREAM *stream, unsigned long msgno,
			  BODY **body, long flags);
  char *(*header) (MAILSTREAM *stream, unsigned long msgno,
		   unsigned long *length, long flags);
  long (*text) (MAILSTREAM *stream, unsigned long msgno, STRING *bs,
		long flags);
  long (*msgdata) (MAILSTREAM *stream, unsigned long msgno, char *section,
		   unsigned long first, unsigned long last, STRINGLIST *lines,
		   long flags);
  unsigned long (*uid) (MAILSTREAM *stream, unsigned long msgno);
  unsigned long (*msgno) (MAILSTREAM *stream, unsigned long uid);
  void (*flag) (MAILSTREAM *stream, char *sequence, char *flag, long flags);
  void (*flagmsg) (MAILSTREAM *stream, MESSAGECACHE *elt);
  long (*search) (MAILSTREAM *stream, char *charset, SEARCHPGM *pgm,
		  long flags);
  unsigned long *(*sort) (MAILSTREAM *stream, char *charset, SEARCHPGM *spg,
			  SORTPGM *pgm, long flags);
  THREADNODE *(*thread) (MAILSTREAM *stream, char *type, char *charset,
			 SEARCHPGM *spg, long flag);
  long (*ping) (MAILSTREAM *stream);
  void (*check) (MAILSTREAM *stream);
  long (*expunge) (MAILSTREAM *stream, char *sequence, long options);
  long (*copy) (MAILSTREAM *stream, char *sequence, char *mailbox,
		long options);
  long (*append) (MAILSTREAM *stream, char *mailbox, append_t af, void *data);
  void (*gc) (MAILSTREAM *stream, long gcflags);
};

/*
 * Bamboo: the events a stream reports.  Every stream holds a pointer to one
 * of these; the default table calls the application's mm_* functions, so UW
 * applications see the usual callbacks.  Servers install their own table
 * (mail_parameters (NIL,SET_CALLBACKS,&table) before mail_open, or assign
 * stream->callbacks) and need no globals.
 */
struct mail_callbacks {
  void (*searched) (MAILSTREAM *stream, unsigned long number);
  void (*exists) (MAILSTREAM *stream, unsigned long number);
  void (*expunged) (MAILSTREAM *stream, unsigned long number);
  void (*flags) (MAILSTREAM *stream, unsigned long number);
  void (*notify) (MAILSTREAM *stream, char *string, long errflg);
  void (*list) (MAILSTREAM *stream, int delimiter, char *name, long attributes);
  void (*lsub) (MAILSTREAM *stream, int delimiter, char *name, long attributes);
  void (*status) (MAILSTREAM *stream, char *mailbox, MAILSTATUS *status);
  void (*log) (MAILSTREAM *stream, char *string, long errflg);
  void (*dlog) (MAILSTREAM *stream, char *string);
  void (*login) (NETMBX *mb, char *user, char *pwd, long trial);
  void (*critical) (MAILSTREAM *stream);
  void (*nocritical) (MAILSTREAM *stream);
  long (*diskerror) (MAILSTREAM *stream, long errcode, long serious);
  void (*fatal) (char *string);
};
extern const struct mail_callbacks mail_callbacks_mm;	/* -> mm_* */

/* ---- compatibility macros ---- */
#define mail_close(stream) mail_close_full (stream,NIL)
#define mail_fetchfast(stream,sequence) mail_fetch_fast (stream,sequence,NIL)
#define mail_fetchfast_full mail_fetch_fast
#define mail_fetchflags(stream,sequence) mail_fetch_flags (stream,sequence,NIL)
#define mail_fetchflags_full mail_fetch_flags
#define mail_fetchenvelope(stream,msgno) \
  mail_fetch_structure (stream,msgno,NIL,NIL)
#define mail_fetchstructure(stream,msgno,body) \
  mail_fetch_structure (stream,msgno,body,NIL)
#define mail_fetchstructure_full mail_fetch_structure
#define mail_fetchheader(stream,msgno) \
  mail_fetch_header (stream,msgno,NIL,NIL,NIL,FT_PEEK)
#define mail_fetchheader_full(stream,msgno,lines,len,flags) \
  mail_fetch_header (stream,msgno,NIL,lines,len,FT_PEEK | (flags))
#define mail_fetchtext(stream,msgno) mail_fetch_text (stream,msgno,NIL,NIL,NIL)
#define mail_fetchtext_full(stream,msgno,length,flags) \
  mail_fetch_text (stream,msgno,NIL,length,flags)
#define mail_fetchbody(stream,msgno,section,length) \
  mail_fetch_body (stream,msgno,section,length,NIL)
#define mail_fetchbody_full mail_fetch_body
#define mail_setflag(stream,sequence,flag) mail_flag (stream,sequence,flag,ST_SET)
#define mail_setflag_full(stream,sequence,flag,flags) \
  mail_flag (stream,sequence,flag,ST_SET | (flags))
#define mail_clearflag(stream,sequence,flag) mail_flag (stream,sequence,flag,NIL)
#define mail_clearflag_full mail_flag
#define mail_search(stream,criteria) \
  mail_search_full (stream,NIL,mail_criteria (criteria),SE_FREE)
#define mail_expunge(stream) mail_expunge_full (stream,NIL,NIL)
#define mail_copy(stream,sequence,mailbox) \
  mail_copy_full (stream,sequence,mailbox,NIL)
#define mail_move(stream,sequence,mailbox) \
  mail_copy_full (stream,sequence,mailbox,CP_MOVE)
#define mail_append(stream,mailbox,message) \
  mail_append_full (stream,mailbox,NIL,NIL,message)

#define SAFE_DELETE(dtb,stream,mailbox) (*dtb->mbxdel) (stream,mailbox)
#define SAFE_RENAME(dtb,stream,old,newname) (*dtb->mbxren) (stream,old,newname)
#define SAFE_STATUS(dtb,stream,mbx,flags) (*dtb->status) (stream,mbx,flags)
#define SAFE_COPY(dtb,stream,sequence,mailbox,options) \
  (*dtb->copy) (stream,sequence,mailbox,options)
#define SAFE_APPEND(dtb,stream,mailbox,af,data) \
  (*dtb->append) (stream,mailbox,af,data)
#define SAFE_SCAN_CONTENTS(dtb,name,contents,csiz,fsiz) \
  scan_contents (dtb,name,contents,csiz,fsiz)

#define MM_EXISTS mm_exists
#define MM_EXPUNGED mm_expunged
#define MM_FLAGS mm_flags
#define MM_NOTIFY mm_notify
#define MM_STATUS mm_status
#define MM_LOG mm_log
#define MM_CRITICAL mm_critical
#define MM_NOCRITICAL mm_nocritical
#define MM_DISKERROR mm_diskerror
#define MM_FATAL mm_fatal
#define MM_APPEND(af) (*af)

/* ====================================================================== */
/* Callbacks the application supplies (the library has weak defaults that
 * log to stderr, so a program that defines none still links). */
void mm_searched (MAILSTREAM *stream, unsigned long number);
void mm_exists (MAILSTREAM *stream, unsigned long number);
void mm_expunged (MAILSTREAM *stream, unsigned long number);
void mm_flags (MAILSTREAM *stream, unsigned long number);
void mm_notify (MAILSTREAM *stream, char *string, long errflg);
void mm_list (MAILSTREAM *stream, int delimiter, char *name, long attributes);
void mm_lsub (MAILSTREAM *stream, int delimiter, char *name, long attributes);
void mm_status (MAILSTREAM *stream, char *mailbox, MAILSTATUS *status);
void mm_log (char *string, long errflg);
void mm_dlog (char *string);
void mm_login (NETMBX *mb, char *user, char *pwd, long trial);
void mm_critical (MAILSTREAM *stream);
void mm_nocritical (MAILSTREAM *stream);
long mm_diskerror (MAILSTREAM *stream, long errcode, long serious);
void mm_fatal (char *string);
void *mm_cache (MAILSTREAM *stream, unsigned long msgno, long op);

extern STRINGDRIVER mail_string;

/* ---- library setup ---- */
void mail_versioncheck (char *version);
void mail_link (DRIVER *driver);
void *mail_parameters (MAILSTREAM *stream, long function, void *value);
DRIVER *mail_valid (MAILSTREAM *stream, char *mailbox, char *purpose);
DRIVER *mail_valid_net (char *name, DRIVER *drv, char *host, char *mailbox);
long mail_valid_net_parse (char *name, NETMBX *mb);
long mail_valid_net_parse_work (char *name, NETMBX *mb, char *service);

/* ---- folders ---- */
void mail_scan (MAILSTREAM *stream, char *ref, char *pat, char *contents);
void mail_list (MAILSTREAM *stream, char *ref, char *pat);
void mail_lsub (MAILSTREAM *stream, char *ref, char *pat);
long mail_subscribe (MAILSTREAM *stream, char *mailbox);
long mail_unsubscribe (MAILSTREAM *stream, char *mailbox);
long mail_create (MAILSTREAM *stream, char *mailbox);
long mail_delete (MAILSTREAM *stream, char *mailbox);
long mail_rename (MAILSTREAM *stream, char *old, char *newname);
char *mail_utf7_valid (char *mailbox);
long mail_status (MAILSTREAM *stream, char *mbx, long flags);
long mail_status_default (MAILSTREAM *stream, char *mbx, long flags);

/* ---- streams ---- */
MAILSTREAM *mail_open (MAILSTREAM *stream, char *name, long options);
MAILSTREAM *mail_open_work (DRIVER *d, MAILSTREAM *stream, char *name,
			    long options);
MAILSTREAM *mail_close_full (MAILSTREAM *stream, long options);
MAILHANDLE *mail_makehandle (MAILSTREAM *stream);
void mail_free_handle (MAILHANDLE **handle);
MAILSTREAM *mail_stream (MAILHANDLE *handle);
long mail_ping (MAILSTREAM *stream);
void mail_check (MAILSTREAM *stream);

/* ---- fetching ---- */
void mail_fetch_fast (MAILSTREAM *stream, char *sequence, long flags);
void mail_fetch_flags (MAILSTREAM *stream, char *sequence, long flags);
void mail_fetch_overview (MAILSTREAM *stream, char *sequence, overview_t ofn);
void mail_fetch_overview_sequence (MAILSTREAM *stream, char *sequence,
				   overview_t ofn);
void mail_fetch_overview_default (MAILSTREAM *stream, overview_t ofn);
ENVELOPE *mail_fetch_structure (MAILSTREAM *stream, unsigned long msgno,
				BODY **body, long flags);
char *mail_fetch_message (MAILSTREAM *stream, unsigned long msgno,
			  unsigned long *len, long flags);
char *mail_fetch_header (MAILSTREAM *stream, unsigned long msgno,
			 char *section, STRINGLIST *lines, unsigned long *len,
			 long flags);
char *mail_fetch_text (MAILSTREAM *stream, unsigned long msgno, char *section,
		       unsigned long *len, long flags);
char *mail_fetch_mime (MAILSTREAM *stream, unsigned long msgno, char *section,
		       unsigned long *len, long flags);
char *mail_fetch_body (MAILSTREAM *stream, unsigned long msgno, char *section,
		       unsigned long *len, long flags);
long mail_partial_text (MAILSTREAM *stream, unsigned long msgno, char *section,
			unsigned long first, unsigned long last, long flags);
long mail_partial_body (MAILSTREAM *stream, unsigned long msgno, char *section,
			unsigned long first, unsigned long last, long flags);
char *mail_fetch_text_return (GETS_DATA *md, SIZEDTEXT *t, unsigned long *len);
char *mail_fetch_string_return (GETS_DATA *md, STRING *bs, unsigned long i,
				unsigned long *len, long flags);
long mail_read (void *stream, unsigned long size, char *buffer);
unsigned long mail_uid (MAILSTREAM *stream, unsigned long msgno);
unsigned long mail_msgno (MAILSTREAM *stream, unsigned long uid);
void mail_fetchfrom (char *s, MAILSTREAM *stream, unsigned long msgno,
		     long length);
void mail_fetchsubject (char *s, MAILSTREAM *stream, unsigned long msgno,
			long length);
MESSAGECACHE *mail_elt (MAILSTREAM *stream, unsigned long msgno);
BODY *mail_body (MAILSTREAM *stream, unsigned long msgno,
		 unsigned char *section);

/* ---- changing messages ---- */
void mail_flag (MAILSTREAM *stream, char *sequence, char *flag, long flags);
long mail_expunge_full (MAILSTREAM *stream, char *sequence, long options);
long mail_copy_full (MAILSTREAM *stream, char *sequence, char *mailbox,
		     long options);
long mail_append_full (MAILSTREAM *stream, char *mailbox, char *flags,
		       char *date, STRING *message);
long mail_append_multiple (MAILSTREAM *stream, char *mailbox, append_t af,
			   void *data);

/* ---- search, sort, thread ---- */
long mail_search_full (MAILSTREAM *stream, char *charset, SEARCHPGM *pgm,
		       long flags);
long mail_search_default (MAILSTREAM *stream, char *charset, SEARCHPGM *pgm,
			  long flags);
long mail_search_msg (MAILSTREAM *stream, unsigned long msgno, char *section,
		      SEARCHPGM *pgm);
long mail_search_header_text (char *s, STRINGLIST *st);
long mail_search_header (SIZEDTEXT *hdr, STRINGLIST *st);
long mail_search_text (MAILSTREAM *stream, unsigned long msgno, char *section,
		       STRINGLIST *st, long flags);
long mail_search_string (SIZEDTEXT *s, char *charset, STRINGLIST **st);
long mail_search_keyword (MAILSTREAM *stream, MESSAGECACHE *elt,
			  STRINGLIST *st, long flag);
long mail_search_addr (ADDRESS *adr, STRINGLIST *st);
SEARCHPGM *mail_criteria (char *criteria);
int mail_criteria_date (unsigned short *date, char **r);
int mail_criteria_string (STRINGLIST **s, char **r);
unsigned short mail_shortdate (unsigned int year, unsigned int month,
			       unsigned int day);
SEARCHSET *mail_parse_set (char *s, char **ret);
SEARCHSET *mail_append_set (SEARCHSET *set, unsigned long msgno);
unsigned long *mail_sort (MAILSTREAM *stream, char *charset, SEARCHPGM *spg,
			  SORTPGM *pgm, long flags);
unsigned long *mail_sort_msgs (MAILSTREAM *stream, char *charset,
			       SEARCHPGM *spg, SORTPGM *pgm, long flags);
unsigned int mail_strip_subject (char *t, char **ret);
unsigned long mail_longdate (MESSAGECACHE *elt);
THREADNODE *mail_thread (MAILSTREAM *stream, char *type, char *charset,
			 SEARCHPGM *spg, long flags);
THREADNODE *mail_thread_msgs (MAILSTREAM *stream, char *type, char *charset,
			      SEARCHPGM *spg, long flags, sorter_t sorter);
THREADNODE *mail_thread_orderedsubject (MAILSTREAM *stream, char *charset,
					SEARCHPGM *spg, long flags,
					sorter_t sorter);
THREADNODE *mail_thread_references (MAILSTREAM *stream, char *charset,
				    SEARCHPGM *spg, long flags,
				    sorter_t sorter);
long mail_match_lines (STRINGLIST *lines, STRINGLIST *msglines, long flags);
unsigned long mail_filter (char *text, unsigned long len, STRINGLIST *lines,
			   long flags);

/* ---- sequences and flags ---- */
long mail_sequence (MAILSTREAM *stream, unsigned char *sequence);
long mail_uid_sequence (MAILSTREAM *stream, unsigned char *sequence);
long mail_parse_flags (MAILSTREAM *stream, char *flag, unsigned long *uf);

/* ---- events drivers raise (they route through stream->callbacks) ---- */
void mail_exists (MAILSTREAM *stream, unsigned long nmsgs);
void mail_recent (MAILSTREAM *stream, unsigned long recent);
void mail_expunged (MAILSTREAM *stream, unsigned long msgno);
void mail_lock (MAILSTREAM *stream);
void mail_unlock (MAILSTREAM *stream);
void mail_debug (MAILSTREAM *stream);
void mail_nodebug (MAILSTREAM *stream);
void mail_dlog (char *string, long flag);

/* ---- memory ---- */
void mail_gc (MAILSTREAM *stream, long gcflags);
void mail_gc_msg (MESSAGE *msg, long gcflags);
void mail_gc_body (BODY *body);
MESSAGECACHE *mail_new_cache_elt (unsigned long msgno);
ENVELOPE *mail_newenvelope (void);
ADDRESS *mail_newaddr (void);
BODY *mail_newbody (void);
BODY *mail_initbody (BODY *body);
PARAMETER *mail_newbody_parameter (void);
PART *mail_newbody_part (void);
MESSAGE *mail_newmsg (void);
STRINGLIST *mail_newstringlist (void);
SEARCHPGM *mail_newsearchpgm (void);
SEARCHHEADER *mail_newsearchheader (char *line, char *text);
SEARCHSET *mail_newsearchset (void);
SEARCHOR *mail_newsearchor (void);
SEARCHPGMLIST *mail_newsearchpgmlist (void);
SORTPGM *mail_newsortpgm (void);
THREADNODE *mail_newthreadnode (SORTCACHE *sc);
ACLLIST *mail_newacllist (void);
QUOTALIST *mail_newquotalist (void);
void mail_free_body (BODY **body);
void mail_free_body_data (BODY *body);
void mail_free_body_parameter (PARAMETER **parameter);
void mail_free_body_part (PART **part);
void mail_free_cache (MAILSTREAM *stream);
void mail_free_elt (MESSAGECACHE **elt);
void mail_free_envelope (ENVELOPE **env);
void mail_free_address (ADDRESS **address);
void mail_free_stringlist (STRINGLIST **string);
void mail_free_searchpgm (SEARCHPGM **pgm);
void mail_free_searchheader (SEARCHHEADER **hdr);
void mail_free_searchset (SEARCHSET **set);
void mail_free_searchor (SEARCHOR **orl);
void mail_free_searchpgmlist (SEARCHPGMLIST **pgl);
void mail_free_namespace (NAMESPACE **n);
void mail_free_sortpgm (SORTPGM **pgm);
void mail_free_threadnode (THREADNODE **thr);
void mail_free_acllist (ACLLIST **al);
void mail_free_quotalist (QUOTALIST **ql);

/* ---- dates ---- */
char *mail_date (char *string, MESSAGECACHE *elt);
char *mail_cdate (char *string, MESSAGECACHE *elt);
long mail_parse_date (MESSAGECACHE *elt, unsigned char *string);

/* ---- authenticators (server side arrives with the login issue) ---- */
void auth_link (AUTHENTICATOR *auth);
char *mail_auth (char *mechanism, authresponse_t resp, int argc, char *argv[]);
AUTHENTICATOR *mail_lookup_auth (unsigned long i);
unsigned int mail_lookup_auth_name (char *mechanism, long flags);

/* ---- subscriptions ---- */
long sm_subscribe (char *mailbox);
long sm_unsubscribe (char *mailbox);
char *sm_read (void **sdb);

#endif
