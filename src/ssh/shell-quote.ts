// Characters no POSIX shell treats specially; such words go unquoted so logs stay readable.
const SAFE_WORD = /^[A-Za-z0-9_\-+=.,/:@%]+$/;

/**
 * Quotes one argument for a POSIX shell: inside single quotes nothing is special, and a single
 * quote itself is written as '\'' (close, escaped quote, reopen). The result is one word whatever
 * the input holds: spaces, quotes, `$(...)`, `;`, newlines, globs.
 */
export function quoteShellArg(arg: string): string {
  if (arg !== '' && SAFE_WORD.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
