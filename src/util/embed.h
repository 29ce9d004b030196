/*
 * embed.h — EMBED(sym, file): a file of the source tree compiled into the
 * binary as a NUL-terminated string (the SQL migrations, the seed fixture).
 * The path is relative to the repository root (where make runs).
 */
#ifndef XUNJI_EMBED_H
#define XUNJI_EMBED_H

#define EMBED(sym, file)                                                        \
  __asm__(".section .rodata\n.global " #sym "\n.type " #sym ", @object\n" #sym \
          ":\n.incbin \"" file "\"\n.byte 0\n.previous\n");                     \
  extern const char sym[]

#endif
