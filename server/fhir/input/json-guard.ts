import { badRequest } from '../outcomes.ts';

/**
 * Checks run on every JSON body and query string before anything else sees it. They make operator
 * injection (MongoDB `$` operators, dotted paths) and prototype pollution impossible whatever the
 * engine, and bound the work a request can cause.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Why a key may not appear in a body or query, or undefined when it may. */
export function keyProblem(key: string): string | undefined {
  if (key.startsWith('$')) return `keys may not start with '$'`;
  if (key.includes('.')) return `keys may not contain '.'`;
  if (FORBIDDEN_KEYS.has(key)) return `'${key}' is not allowed as a key`;
  return undefined;
}

/**
 * Why a query parameter name may not be used, or undefined. Dots are allowed: they chain search
 * parameters (`subject:Patient.name`), and query names are only ever compared as values, never used
 * as object paths by either engine.
 */
export function queryKeyProblem(key: string): string | undefined {
  if (key.startsWith('$')) return `names may not start with '$'`;
  if (FORBIDDEN_KEYS.has(key)) return `'${key}' is not allowed as a name`;
  return undefined;
}

/**
 * Nesting depth of a JSON text, measured before parsing so that a hostile body of a million `[`
 * costs one linear scan and never reaches the parser. Brackets inside strings do not count.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) max = Math.max(max, ++depth);
    else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return max;
}

export function parseJsonBody(text: string, maxDepth: number): unknown {
  if (jsonDepth(text) > maxDepth) throw badRequest(`JSON nesting is deeper than the limit of ${maxDepth}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`Invalid JSON: ${(err as Error).message}`);
  }
  checkKeys(value, '');
  return value;
}

/** Rejects forbidden keys anywhere in a parsed body, naming the path of the first one found. */
function checkKeys(value: unknown, path: string): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkKeys(item, `${path}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const problem = keyProblem(key);
      const at = path ? `${path}.${key}` : key;
      if (problem) throw badRequest(`Invalid key '${key}' at ${at}: ${problem}`, at);
      checkKeys((value as Record<string, unknown>)[key], at);
    }
  }
}
