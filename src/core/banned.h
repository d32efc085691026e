/*
 * banned.h - C library calls that are easy to misuse; use the named
 * alternative instead. Included last by jv.h so that system headers are
 * unaffected.
 */
#ifndef JV_BANNED_H
#define JV_BANNED_H

#define JV_BANNED(func) sorry_##func##_is_banned_use_glib_or_snprintf

#undef strcpy
#define strcpy(x, y) JV_BANNED(strcpy)
#undef strcat
#define strcat(x, y) JV_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) JV_BANNED(strncpy)
#undef sprintf
#define sprintf(...) JV_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) JV_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) JV_BANNED(strtok)
#undef gets
#define gets(x) JV_BANNED(gets)
#undef localtime
#define localtime(t) JV_BANNED(localtime)
#undef gmtime
#define gmtime(t) JV_BANNED(gmtime)

#endif
