/**
 * A string built by `+` or a template is, in V8, a tree of pieces (a cons string) until something
 * reads it whole: a 300-byte line can be 40 objects. A string that is kept for a while (the sinks'
 * tail keeps encoded records for seconds) should be one flat string, or each tree is promoted to
 * the old generation and dies there. Converting to a number makes V8 flatten the string in place;
 * the tree becomes garbage at the next scavenge, while it is still young.
 */
export function flattened(s: string): string {
  // eslint-disable-next-line @typescript-eslint/no-unused-expressions
  Number(s);
  return s;
}
