/*
 * compiler.h: what the code asks of the compiler by name.
 *
 * FP_ANALYZER_LEAK_OFF / _ON: around a function that gcc's -fanalyzer
 * (make analyze) reports as leaking where it does not; each use says in
 * a comment why the report is false.  Nothing for other compilers.
 */
#ifndef FP_COMPILER_H
#define FP_COMPILER_H

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 10
#define FP_ANALYZER_LEAK_OFF \
	_Pragma("GCC diagnostic push") \
	_Pragma("GCC diagnostic ignored \"-Wanalyzer-malloc-leak\"")
#define FP_ANALYZER_LEAK_ON _Pragma("GCC diagnostic pop")
#else
#define FP_ANALYZER_LEAK_OFF
#define FP_ANALYZER_LEAK_ON
#endif

#endif
